"""fixed dimensions of a main account: {dimension: value} forced onto every entry posted to it (EX-D1 row 4,
issue 14)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (not a batch copy: other tables refer to main_account)
    op.add_column('main_account', sa.Column('fixed_dimensions', sa.Text(), nullable=False, server_default='{}'))


def downgrade() -> None:
    op.execute('ALTER TABLE main_account DROP COLUMN fixed_dimensions')
