"""the largest balance as a check constraint (issue 13: trust)

A balance row stays within limits.MAX_BALANCE_MINOR, so that adding a posting's delta (itself at most that)
can never overflow a 64-bit integer: SQLite would silently make the sum a floating-point number.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:30:00
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BALANCE_LIMIT_CHECK = ("amount_minor BETWEEN -9999999999999999 AND 9999999999999999 "
                       "AND accounting_minor BETWEEN -9999999999999999 AND 9999999999999999")


def upgrade() -> None:
    with op.batch_alter_table('balance', recreate='always' if op.get_context().dialect.name == 'sqlite'
                              else 'auto') as batch:
        batch.create_check_constraint('ck_balance_limit', BALANCE_LIMIT_CHECK)


def downgrade() -> None:
    with op.batch_alter_table('balance', recreate='always' if op.get_context().dialect.name == 'sqlite'
                              else 'auto') as batch:
        batch.drop_constraint('ck_balance_limit', type_='check')
