"""vouchers and invoices: an index by number, for the reads that name one by the number a user types, and vouchers
by date (issue 11: one operation at a time reads what it names). A voucher without its journal name — reversing
it, the voucher report and page, a write-off, reorganisation or settlement inquiry that names it — walked every
voucher of the company, whose unique key leads with the journal name; a credit note's original invoice every
invoice; the ledger journal report of one day every voucher.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 13:50:00
"""
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_voucher_number', 'voucher', ['company_id', 'voucher_number'], unique=False)
    op.create_index('ix_voucher_date', 'voucher', ['company_id', 'posting_date'], unique=False)
    op.create_index('ix_invoice_number', 'invoice', ['company_id', 'number'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_invoice_number', table_name='invoice')
    op.drop_index('ix_voucher_date', table_name='voucher')
    op.drop_index('ix_voucher_number', table_name='voucher')
