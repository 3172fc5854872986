"""open items are updated in place when they settle

Settlement changes open amounts and closed_on of every transaction it touches. The party index held
closed_on, so each of those updates also moved an index entry, and it repeated the leading columns of
the invoice index, which serves the same look-ups: it goes. On PostgreSQL the table keeps half of each
page free (fillfactor 50) so that such an update, which changes no indexed column, writes the row's
new version on the same page without new index entries (a HOT update): a transaction settles about
once, and every row of a page may need room for its new version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:40:00
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_party_transaction_party', table_name='party_transaction')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE party_transaction SET (fillfactor = 50)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE party_transaction RESET (fillfactor)')
    op.create_index('ix_party_transaction_party', 'party_transaction',
                    ['company_id', 'party_type', 'party_id', 'closed_on'], unique=False)
