"""sales tax groups and tax transactions, free-text and vendor invoices, reason codes (issue 9)

Sales tax groups and item sales tax groups decide a line's tax codes by their intersection; the tax of
every posted line is kept per voucher, transaction and code (tax_transaction), so that a write-off, a
credit note or the sales tax settlement can restate it. Invoices are documents (draft -> posted) with
lines; reason codes serve write-off and settle remainder.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _company_fk(name):
    return sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name=f'fk_{name}_company')


def upgrade() -> None:
    for name in ('sales_tax_group', 'item_sales_tax_group'):
        op.create_table(
            name,
            sa.Column('company_id', sa.String(length=20), nullable=False),
            sa.Column('group_code', sa.String(length=20), nullable=False),
            sa.Column('tax_code', sa.String(length=20), nullable=False),
            sa.PrimaryKeyConstraint('company_id', 'group_code', 'tax_code'),
            _company_fk(name),
        )
    op.create_table(
        'tax_transaction',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('tax_transaction_id', sa.BigInteger(), nullable=False),
        sa.Column('voucher_id', sa.BigInteger(), nullable=False),
        sa.Column('entry_id', sa.BigInteger(), nullable=False),
        sa.Column('transaction_id', sa.BigInteger(), nullable=True),
        sa.Column('posting_date', sa.Date(), nullable=False),
        sa.Column('tax_code', sa.String(length=20), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('ledger_account', sa.String(length=120), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('base_minor', sa.BigInteger(), nullable=False),
        sa.Column('tax_minor', sa.BigInteger(), nullable=False),
        sa.Column('base_accounting_minor', sa.BigInteger(), nullable=False),
        sa.Column('tax_accounting_minor', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'tax_transaction_id'),
        sa.ForeignKeyConstraint(['company_id', 'voucher_id'], ['voucher.company_id', 'voucher.voucher_id'],
                                name='fk_tax_transaction_voucher'),
    )
    op.create_index('ix_tax_transaction_voucher', 'tax_transaction', ['company_id', 'voucher_id'], unique=False)
    op.create_index('ix_tax_transaction_date', 'tax_transaction', ['company_id', 'posting_date'], unique=False)
    op.create_table(
        'tax_settlement',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('settlement_id', sa.BigInteger(), nullable=False),
        sa.Column('from_date', sa.Date(), nullable=False),
        sa.Column('to_date', sa.Date(), nullable=False),
        sa.Column('voucher_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'settlement_id'),
        _company_fk('tax_settlement'),
    )
    op.create_table(
        'reason_code',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('customer', sa.Boolean(), nullable=False),
        sa.Column('vendor', sa.Boolean(), nullable=False),
        sa.Column('account', sa.String(length=120), nullable=True),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'code'),
        _company_fk('reason_code'),
    )
    op.create_table(
        'invoice',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('invoice_id', sa.BigInteger(), nullable=False),
        sa.Column('party_type', sa.String(length=10), nullable=False),
        sa.Column('party_id', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=True),
        sa.Column('invoice_date', sa.Date(), nullable=False),
        sa.Column('document_date', sa.Date(), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('payment_terms', sa.String(length=20), nullable=True),
        sa.Column('cash_discount', sa.String(length=20), nullable=True),
        sa.Column('sales_tax_group', sa.String(length=20), nullable=True),
        sa.Column('dimensions', sa.Text(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('credit_of', sa.String(length=60), nullable=True),
        sa.Column('posting_profile', sa.String(length=20), nullable=True),
        sa.Column('voucher_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'invoice_id'),
        _company_fk('invoice'),
    )
    op.create_table(
        'invoice_line',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('invoice_id', sa.BigInteger(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('ledger_account', sa.String(length=120), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('quantity', sa.String(length=40), nullable=True),
        sa.Column('unit_price', sa.String(length=40), nullable=True),
        sa.Column('amount', sa.String(length=40), nullable=False),
        sa.Column('item_sales_tax_group', sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'invoice_id', 'line_no'),
        sa.ForeignKeyConstraint(['company_id', 'invoice_id'], ['invoice.company_id', 'invoice.invoice_id'],
                                name='fk_invoice_line_invoice'),
    )
    op.create_table(
        'journal_tax_line',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('journal_id', sa.BigInteger(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('tax_code', sa.String(length=20), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('base_minor', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'journal_id', 'line_no'),
        sa.ForeignKeyConstraint(['company_id', 'journal_id'], ['journal.company_id', 'journal.journal_id'],
                                name='fk_journal_tax_line_journal'),
    )


def downgrade() -> None:
    op.drop_table('journal_tax_line')
    op.drop_table('invoice_line')
    op.drop_table('invoice')
    op.drop_table('reason_code')
    op.drop_table('tax_settlement')
    op.drop_index('ix_tax_transaction_date', table_name='tax_transaction')
    op.drop_index('ix_tax_transaction_voucher', table_name='tax_transaction')
    op.drop_table('tax_transaction')
    op.drop_table('item_sales_tax_group')
    op.drop_table('sales_tax_group')
