"""a partial index on the settlements that were reversed (issue 9: aged balances)

Aged balances at a past date ask which settlements dated on or before it were reversed after it; reversals are
rare, so a partial index holds only the reversed rows and spares the report a scan of every settlement.
Settling writes rows without a reversal: the index is not touched by it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 03:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_settlement_reversed', 'settlement', ['company_id', 'reversed_by_batch'], unique=False,
                    sqlite_where=sa.text('reversed_by_batch IS NOT NULL'),
                    postgresql_where=sa.text('reversed_by_batch IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_settlement_reversed', table_name='settlement')
