"""period end: close runs (GL revaluation, year-end close, allocation, consolidation), period change log,
close tasks, allocation rules; the exchange rate type of a main account's GL revaluation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('main_account') as batch_op:
        batch_op.add_column(sa.Column('revaluation_rate_type', sa.String(length=20), nullable=True))
    op.create_table('close_run',
    sa.Column('company_id', sa.String(length=20), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('voucher_ids', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reverses_run', sa.BigInteger(), nullable=True),
    sa.Column('reversed_by_run', sa.BigInteger(), nullable=True),
    sa.Column('user_name', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_close_run_company'),
    sa.PrimaryKeyConstraint('company_id', 'run_id')
    )
    op.create_index('ix_close_run_kind', 'close_run', ['company_id', 'kind', 'year'], unique=False)
    op.create_table('period_change',
    sa.Column('company_id', sa.String(length=20), nullable=False),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('period_name', sa.String(length=40), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.Column('user_name', sa.String(length=60), nullable=True),
    sa.Column('changed_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_period_change_company'),
    sa.PrimaryKeyConstraint('company_id', 'change_id')
    )
    op.create_table('close_task',
    sa.Column('company_id', sa.String(length=20), nullable=False),
    sa.Column('period_name', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=60), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_close_task_company'),
    sa.PrimaryKeyConstraint('company_id', 'period_name', 'position')
    )
    op.create_table('allocation_rule',
    sa.Column('company_id', sa.String(length=20), nullable=False),
    sa.Column('rule_id', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_allocation_rule_company'),
    sa.PrimaryKeyConstraint('company_id', 'rule_id')
    )


def downgrade() -> None:
    op.drop_table('allocation_rule')
    op.drop_table('close_task')
    op.drop_table('period_change')
    op.drop_index('ix_close_run_kind', table_name='close_run')
    op.drop_table('close_run')
    with op.batch_alter_table('main_account') as batch_op:
        batch_op.drop_column('revaluation_rate_type')
