"""company master version: a stamp renewed by every master-data change, so that a process keeps the loaded
company data until it changes (issue 11)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 23:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (not a batch copy: every company table refers to this one)
    op.add_column('company', sa.Column('master_version', sa.BigInteger(), nullable=False, server_default='0'))
    # Existing companies get a stamp of their own: 0 would be shared with any other database's.
    connection = op.get_bind()
    company = sa.table('company', sa.column('company_id', sa.String), sa.column('master_version', sa.BigInteger))
    for (company_id,) in connection.execute(sa.select(company.c.company_id)).all():
        connection.execute(sa.update(company).where(company.c.company_id == company_id)
                           .values(master_version=secrets.randbits(62)))


def downgrade() -> None:
    op.execute('ALTER TABLE company DROP COLUMN master_version')
