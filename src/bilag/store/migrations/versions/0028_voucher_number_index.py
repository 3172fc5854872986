"""vouchers: an index by number, for the reads that name a voucher by the number a user types without its journal
name (reversing a voucher, the voucher report and page, a write-off, reorganisation or settlement inquiry that names
a voucher; issue 11: one operation at a time reads what it names). The unique key leads with the journal name, so
each such read walked every voucher of the company.

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


def downgrade() -> None:
    op.drop_index('ix_voucher_number', table_name='voucher')
