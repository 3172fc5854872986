"""web: users, roles per company, API tokens, sign-in sessions, batch users, idempotent API requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'app_user',
        sa.Column('user_name', sa.String(length=60), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('user_name'),
    )
    op.create_table(
        'user_role',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('user_name', sa.String(length=60), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_user_role_company'),
        sa.ForeignKeyConstraint(['user_name'], ['app_user.user_name'], name='fk_user_role_user'),
        sa.PrimaryKeyConstraint('company_id', 'user_name'),
    )
    op.create_table(
        'api_token',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=60), nullable=False),
        sa.Column('label', sa.String(length=60), nullable=False),
        sa.Column('expires_at', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['user_name'], ['app_user.user_name'], name='fk_api_token_user'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_table(
        'web_session',
        sa.Column('session_hash', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=60), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['user_name'], ['app_user.user_name'], name='fk_web_session_user'),
        sa.PrimaryKeyConstraint('session_hash'),
    )
    op.create_table(
        'batch_user',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('batch_id', sa.BigInteger(), nullable=False),
        sa.Column('user_name', sa.String(length=60), nullable=False),
        sa.Column('posted_at', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_batch_user_company'),
        sa.PrimaryKeyConstraint('company_id', 'batch_id'),
    )
    op.create_table(
        'api_request',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('idempotency_key', sa.String(length=200), nullable=False),
        sa.Column('user_name', sa.String(length=60), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('response', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_api_request_company'),
        sa.PrimaryKeyConstraint('company_id', 'idempotency_key'),
    )


def downgrade() -> None:
    for table in ('api_request', 'batch_user', 'web_session', 'api_token', 'user_role', 'app_user'):
        op.drop_table(table)
