"""lease reversal trace: reversing a lease transaction again revokes the reversal (AL-REV); a trace number
links the original voucher, its reversal and the revocation (issue 10)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 05:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lease_reversal_trace',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('lease_id', sa.String(length=40), nullable=False),
        sa.Column('trace_number', sa.String(length=40), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('voucher_number', sa.String(length=40), nullable=False),
        sa.Column('reverses', sa.String(length=40), nullable=False),
        sa.Column('posting_date', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['company_id', 'lease_id'], ['lease.company_id', 'lease.lease_id'],
                                name='fk_lease_reversal_trace_lease'),
        sa.PrimaryKeyConstraint('company_id', 'lease_id', 'trace_number', 'step', 'position'),
    )


def downgrade() -> None:
    op.drop_table('lease_reversal_trace')
