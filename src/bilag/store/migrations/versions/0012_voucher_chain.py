"""tamper evidence: each voucher's chained hash, and the head of each series' chain (issue 13: trust)

Vouchers posted before this migration keep no hash; `bilag verify` counts them as unchained and checks the
chain from the first voucher posted after it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('voucher') as batch:
        batch.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))
    op.create_table(
        'voucher_chain',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('series', sa.String(length=20), nullable=False),
        sa.Column('voucher_id', sa.BigInteger(), nullable=False),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'series'),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_voucher_chain_company'),
    )


def downgrade() -> None:
    op.drop_table('voucher_chain')
    # Not batch mode: recreating voucher on SQLite would break the foreign keys of its entries (SQLite >= 3.35).
    op.execute('ALTER TABLE voucher DROP COLUMN chain_hash')
    op.execute('ALTER TABLE voucher DROP COLUMN previous_hash')
