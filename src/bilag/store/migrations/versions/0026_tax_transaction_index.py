"""tax transactions: an index by the customer/vendor transaction, for the tax of the invoices that a settlement
(cash discount on sales tax) or a write-off (separate sales tax) names (issue 11: one operation at a time reads
what it names; each such settlement read every tax transaction of the company).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 08:40:00
"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tax_transaction_transaction', 'tax_transaction', ['company_id', 'transaction_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_tax_transaction_transaction', table_name='tax_transaction')
