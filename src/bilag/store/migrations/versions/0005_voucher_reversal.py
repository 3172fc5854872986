"""voucher reversal: a posted voucher and the voucher that reverses it, linked both ways

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'voucher_reversal',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('voucher_id', sa.BigInteger(), nullable=False),
        sa.Column('reversal_voucher_id', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.BigInteger(), nullable=False),
        sa.Column('reversal_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['company_id', 'voucher_id'], ['voucher.company_id', 'voucher.voucher_id'],
                                name='fk_voucher_reversal_original'),
        sa.ForeignKeyConstraint(['company_id', 'reversal_voucher_id'], ['voucher.company_id', 'voucher.voucher_id'],
                                name='fk_voucher_reversal_reversal'),
        sa.PrimaryKeyConstraint('company_id', 'voucher_id'),
        sa.UniqueConstraint('company_id', 'reversal_voucher_id', name='uq_voucher_reversal_reversal'),
    )


def downgrade() -> None:
    op.drop_table('voucher_reversal')
