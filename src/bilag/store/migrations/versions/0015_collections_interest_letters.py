"""interest notes, collection letters and fees as collection documents; a customer's or vendor's own sales
tax group (issue 9)

A collection document is an interest note, a collection letter or a fee that posted (or, a letter without a
fee, only recorded) a customer transaction; its lines are the overdue transactions it charged: the days of
interest already charged, the letter each reached. Automatic settlement reads a transaction's type from it.
A party's sales tax group is used by an invoice whose header names none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'collection_document',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('document_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('party_id', sa.String(length=40), nullable=False),
        sa.Column('document_date', sa.Date(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('level', sa.Integer(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('voucher_id', sa.BigInteger(), nullable=True),
        sa.Column('voucher_number', sa.String(length=40), nullable=True),
        sa.Column('transaction_id', sa.BigInteger(), nullable=True),
        sa.Column('batch_id', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'document_id'),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_collection_document_company'),
    )
    op.create_index('ix_collection_document_transaction', 'collection_document', ['company_id', 'transaction_id'],
                    unique=False)
    op.create_table(
        'collection_document_line',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('document_id', sa.BigInteger(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('transaction_id', sa.BigInteger(), nullable=False),
        sa.Column('open_minor', sa.BigInteger(), nullable=False),
        sa.Column('from_date', sa.Date(), nullable=True),
        sa.Column('to_date', sa.Date(), nullable=True),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('interest_minor', sa.BigInteger(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('company_id', 'document_id', 'line_no'),
        sa.ForeignKeyConstraint(['company_id', 'document_id'], ['collection_document.company_id',
                                                                'collection_document.document_id'],
                                name='fk_collection_document_line_document'),
    )
    op.create_index('ix_collection_document_line_transaction', 'collection_document_line',
                    ['company_id', 'transaction_id'], unique=False)
    # A plain ADD COLUMN (party is referred to by other tables)
    op.add_column('party', sa.Column('sales_tax_group', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE party DROP COLUMN sales_tax_group')
    op.drop_table('collection_document_line')
    op.drop_table('collection_document')
