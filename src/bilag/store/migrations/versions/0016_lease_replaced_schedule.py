"""lease events reversible: the schedule rows an impairment, modification or transition replaced, kept per
event so that reversing it restores the schedule (issue 10)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lease_replaced_schedule',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('lease_id', sa.String(length=40), nullable=False),
        sa.Column('journal_id', sa.BigInteger(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('payment_date', sa.Date(), nullable=True),
        sa.Column('opening_minor', sa.BigInteger(), nullable=False),
        sa.Column('payment_minor', sa.BigInteger(), nullable=False),
        sa.Column('interest_minor', sa.BigInteger(), nullable=False),
        sa.Column('closing_minor', sa.BigInteger(), nullable=False),
        sa.Column('depreciation_minor', sa.BigInteger(), nullable=False),
        sa.Column('rou_closing_minor', sa.BigInteger(), nullable=False),
        sa.Column('expense_minor', sa.BigInteger(), nullable=False),
        sa.Column('deferred_rent_minor', sa.BigInteger(), nullable=False),
        sa.Column('short_term_minor', sa.BigInteger(), nullable=False),
        sa.Column('carrying_minor', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['company_id', 'lease_id'], ['lease.company_id', 'lease.lease_id'],
                                name='fk_lease_replaced_schedule_lease'),
        sa.PrimaryKeyConstraint('company_id', 'lease_id', 'journal_id', 'month'),
    )


def downgrade() -> None:
    op.drop_table('lease_replaced_schedule')
