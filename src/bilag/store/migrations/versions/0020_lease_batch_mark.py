"""lease batch high-water mark: per lease and schedule, the month up to which every schedule line is
journalised, so that a batch reads only the lines after it (issue 10). Leases without a mark are read from
their first month (the batch adds their marks), so existing databases need no data here.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lease_batch_mark',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('lease_id', sa.String(length=40), nullable=False),
        sa.Column('schedule', sa.String(length=20), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id', 'lease_id'], ['lease.company_id', 'lease.lease_id'],
                                name='fk_lease_batch_mark_lease'),
        sa.PrimaryKeyConstraint('company_id', 'lease_id', 'schedule'),
    )


def downgrade() -> None:
    op.drop_table('lease_batch_mark')
