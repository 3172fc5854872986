"""ledger settlement: entries of a ledger account settled against each other (period end, B4.1)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 20:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_settlement',
    sa.Column('company_id', sa.String(length=20), nullable=False),
    sa.Column('settlement_id', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('main_account', sa.String(length=40), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=False),
    sa.Column('user_name', sa.String(length=60), nullable=True),
    sa.Column('unsettled_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_ledger_settlement_company'),
    sa.PrimaryKeyConstraint('company_id', 'settlement_id', 'entry_id')
    )
    op.create_index('ix_ledger_settlement_entry', 'ledger_settlement', ['company_id', 'entry_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ledger_settlement_entry', table_name='ledger_settlement')
    op.drop_table('ledger_settlement')
