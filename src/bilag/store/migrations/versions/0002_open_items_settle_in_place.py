"""open items are updated in place when they settle; sales tax codes on journal lines

Settlement changes open amounts and closed_on of every transaction it touches. The party index held
closed_on, so each of those updates also moved an index entry, and it repeated the leading columns of
the invoice index, which serves the same look-ups: it goes. On PostgreSQL the table keeps half of each
page free (fillfactor 50) so that such an update, which changes no indexed column, writes the row's
new version on the same page without new index entries (a HOT update): a transaction settles about
once, and every row of a page may need room for its new version.

Sales tax on journal lines: journal names say whether amounts include sales tax; a tax code carries its
ledger posting group's input tax and cash discount accounts; an open transaction remembers the tax code
of the line that made it (its cash discount account, domain.md B5.2 priority 2).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_party_transaction_party', table_name='party_transaction')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE party_transaction SET (fillfactor = 50)')
    with op.batch_alter_table('journal_name') as batch_op:
        batch_op.add_column(sa.Column('amounts_include_sales_tax', sa.Boolean(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('tax_code') as batch_op:
        batch_op.add_column(sa.Column('receivable_account', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('customer_cash_discount_account', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('vendor_cash_discount_account', sa.String(length=120), nullable=True))
    with op.batch_alter_table('party_transaction') as batch_op:
        batch_op.add_column(sa.Column('tax_code', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('party_transaction') as batch_op:
        batch_op.drop_column('tax_code')
    with op.batch_alter_table('tax_code') as batch_op:
        batch_op.drop_column('vendor_cash_discount_account')
        batch_op.drop_column('customer_cash_discount_account')
        batch_op.drop_column('receivable_account')
    with op.batch_alter_table('journal_name') as batch_op:
        batch_op.drop_column('amounts_include_sales_tax')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE party_transaction RESET (fillfactor)')
    op.create_index('ix_party_transaction_party', 'party_transaction',
                    ['company_id', 'party_type', 'party_id', 'closed_on'], unique=False)
