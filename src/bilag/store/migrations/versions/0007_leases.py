"""lease accounting: lease books, posting profiles, groups, leases, their schedules and journal links

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 20:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lease_book',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('book_id', sa.String(length=20), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('framework', sa.String(length=10), nullable=False),
        sa.Column('lease_type', sa.String(length=10), nullable=False),
        sa.Column('pay_to_vendor', sa.Boolean(), nullable=False),
        sa.Column('convention', sa.String(length=20), nullable=False),
        sa.Column('short_term_months', sa.Integer(), nullable=False),
        sa.Column('low_value', sa.String(length=40), nullable=True),
        sa.Column('lease_term_percent', sa.String(length=20), nullable=False),
        sa.Column('present_value_percent', sa.String(length=20), nullable=False),
        sa.Column('transition', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_lease_book_company'),
        sa.PrimaryKeyConstraint('company_id', 'book_id'),
    )
    op.create_table(
        'lease_posting_profile',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('profile_id', sa.String(length=20), nullable=False),
        sa.Column('accounts', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_lease_posting_profile_company'),
        sa.PrimaryKeyConstraint('company_id', 'profile_id'),
    )
    op.create_table(
        'lease_group',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('group_id', sa.String(length=20), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('posting_profile', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['company_id', 'posting_profile'],
                                ['lease_posting_profile.company_id', 'lease_posting_profile.profile_id'],
                                name='fk_lease_group_profile'),
        sa.PrimaryKeyConstraint('company_id', 'group_id'),
    )
    op.create_table(
        'lease',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('lease_id', sa.String(length=40), nullable=False),
        sa.Column('book_id', sa.String(length=20), nullable=False),
        sa.Column('group_id', sa.String(length=20), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('commencement', sa.Date(), nullable=False),
        sa.Column('payments', sa.Text(), nullable=False),
        sa.Column('annuity', sa.String(length=10), nullable=False),
        sa.Column('compounding', sa.String(length=10), nullable=False),
        sa.Column('rate', sa.String(length=40), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('initial_direct_costs_minor', sa.BigInteger(), nullable=False),
        sa.Column('prepayment_minor', sa.BigInteger(), nullable=False),
        sa.Column('incentives_minor', sa.BigInteger(), nullable=False),
        sa.Column('dismantling_minor', sa.BigInteger(), nullable=False),
        sa.Column('fair_value_minor', sa.BigInteger(), nullable=True),
        sa.Column('useful_life_months', sa.Integer(), nullable=True),
        sa.Column('transfer_of_ownership', sa.Boolean(), nullable=False),
        sa.Column('purchase_option', sa.Boolean(), nullable=False),
        sa.Column('vendor_id', sa.String(length=40), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('classification', sa.String(length=20), nullable=True),
        sa.Column('classification_reason', sa.String(length=200), nullable=True),
        sa.Column('liability_minor', sa.BigInteger(), nullable=True),
        sa.Column('rou_minor', sa.BigInteger(), nullable=True),
        sa.Column('term_months', sa.Integer(), nullable=True),
        sa.Column('fixed_rate', sa.String(length=40), nullable=True),
        sa.Column('first_month', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id', 'book_id'], ['lease_book.company_id', 'lease_book.book_id'],
                                name='fk_lease_book'),
        sa.ForeignKeyConstraint(['company_id', 'group_id'], ['lease_group.company_id', 'lease_group.group_id'],
                                name='fk_lease_group'),
        sa.PrimaryKeyConstraint('company_id', 'lease_id'),
    )
    op.create_table(
        'lease_schedule',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('lease_id', sa.String(length=40), nullable=False),
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
                                name='fk_lease_schedule_lease'),
        sa.PrimaryKeyConstraint('company_id', 'lease_id', 'month'),
    )
    op.create_table(
        'lease_journal_entry',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('lease_id', sa.String(length=40), nullable=False),
        sa.Column('schedule', sa.String(length=20), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('journal_id', sa.BigInteger(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('posting_date', sa.Date(), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('voucher_number', sa.String(length=40), nullable=True),
        sa.Column('reversal_voucher', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'lease_id', 'schedule', 'month', 'journal_id'),
    )
    op.create_index('ix_lease_journal_entry_journal', 'lease_journal_entry', ['company_id', 'journal_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_lease_journal_entry_journal', table_name='lease_journal_entry')
    op.drop_table('lease_journal_entry')
    op.drop_table('lease_schedule')
    op.drop_table('lease')
    op.drop_table('lease_group')
    op.drop_table('lease_posting_profile')
    op.drop_table('lease_book')
