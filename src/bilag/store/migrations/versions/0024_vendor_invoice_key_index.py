"""party transactions: an index of vendor invoices by their key (lower(trim(invoice))), for the check of a vendor
invoice number posted before that every posting of a vendor invoice makes (issue 11: one posting at a time stays
fast as the company grows; the look-up by vendor read all of that vendor's transactions).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 15:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

WHERE = "party_type = 'vendor' AND amount_minor < 0 AND invoice IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_party_transaction_vendor_invoice_key', 'party_transaction',
                    ['company_id', 'party_id', sa.text('lower(trim(invoice))')], unique=False,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index('ix_party_transaction_vendor_invoice_key', table_name='party_transaction')
