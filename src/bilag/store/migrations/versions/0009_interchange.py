"""interchange: SAF-T mappings and bank details, bank statements read from camt.053 (issue 15)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _company_fk(name):
    return sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name=f'fk_{name}_company')


def upgrade() -> None:
    op.create_table(
        'interchange_setting',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'kind', 'key'),
        _company_fk('interchange_setting'),
    )
    op.create_table(
        'bank_statement',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('statement_id', sa.BigInteger(), nullable=False),
        sa.Column('bank_id', sa.String(length=40), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('message_id', sa.String(length=40), nullable=False),
        sa.Column('statement_ref', sa.String(length=40), nullable=False),
        sa.Column('created_on', sa.Date(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('opening_minor', sa.BigInteger(), nullable=True),
        sa.Column('closing_minor', sa.BigInteger(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('batch_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'statement_id'),
        _company_fk('bank_statement'),
    )
    op.create_table(
        'bank_statement_line',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('statement_id', sa.BigInteger(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('booking_date', sa.Date(), nullable=False),
        sa.Column('value_date', sa.Date(), nullable=True),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reference', sa.String(length=60), nullable=True),
        sa.Column('remittance', sa.String(length=400), nullable=False),
        sa.Column('counterparty', sa.String(length=140), nullable=False),
        sa.Column('counterparty_account', sa.String(length=40), nullable=False),
        sa.Column('entry_reference', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'statement_id', 'line_no'),
        sa.ForeignKeyConstraint(['company_id', 'statement_id'], ['bank_statement.company_id',
                                                                 'bank_statement.statement_id'],
                                name='fk_bank_statement_line_statement'),
    )


def downgrade() -> None:
    op.drop_table('bank_statement_line')
    op.drop_table('bank_statement')
    op.drop_table('interchange_setting')
