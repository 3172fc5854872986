"""the audit trail of master-data changes (issue 13: trust)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 00:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_entry',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('audit_id', sa.BigInteger(), nullable=False),
        sa.Column('changed_at', sa.String(length=32), nullable=False),
        sa.Column('user_name', sa.String(length=60), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('record_key', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('before', sa.Text(), nullable=True),
        sa.Column('after', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'audit_id'),
    )
    op.create_index('ix_audit_entry_kind', 'audit_entry', ['company_id', 'kind', 'record_key'])


def downgrade() -> None:
    op.drop_index('ix_audit_entry_kind', table_name='audit_entry')
    op.drop_table('audit_entry')
