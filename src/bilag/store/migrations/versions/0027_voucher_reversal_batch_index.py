"""vouchers: an index of the settlements' reversal vouchers by batch, for the as-of reads (aged balances, the
collections view, a write-off's open items), which look up when each reversed settlement was reversed: with any
settlement reversed, each such read read every voucher of the company (issue 11). Partial: no other voucher is in
it, so no other posting pays for it.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

WHERE = "kind = 'reversal'"


def upgrade() -> None:
    op.create_index('ix_voucher_reversal_batch', 'voucher', ['company_id', 'batch_id'], unique=False,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index('ix_voucher_reversal_batch', table_name='voucher')
