"""posting requests: the lines of a journal file posted so far, while it is posted in committed chunks under its
idempotency key (issue 11: services/file_posting.py). NULL once the request is done and for every journal posted
whole, so existing rows need nothing.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 14:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('posting_request', sa.Column('lines_posted', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('posting_request') as batch:
        batch.drop_column('lines_posted')
