"""customer notes in the collections view, the history of unrealized revaluation amounts, a customer's own
interest code and collection letter sequence (issue 9)

customer_note: a collections clerk's dated notes on a customer, optionally on one of its transactions.
unrealized_change: each change of a transaction's unrealized revaluation amount on its posting date, so that aged
balances in the accounting currency as of any date include the unrealized amounts then and tie to the customer
summary accounts after a revaluation. A transaction revalued before this migration gets one row: its unrealized
amount before settlements took their share (its current amount plus what settlements in force reversed), on
its last revaluation date.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 08:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A customer's own interest code and collection letter sequence, before the company parameters'.
    op.add_column('party', sa.Column('interest_code', sa.String(length=20), nullable=True))
    op.add_column('party', sa.Column('collection_letter_sequence', sa.String(length=20), nullable=True))
    op.create_table(
        'customer_note',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('note_id', sa.BigInteger(), nullable=False),
        sa.Column('party_id', sa.String(length=40), nullable=False),
        sa.Column('note_date', sa.Date(), nullable=False),
        sa.Column('transaction_id', sa.BigInteger(), nullable=True),
        sa.Column('note', sa.String(length=2000), nullable=False),
        sa.Column('user_name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'note_id'),
    )
    op.create_index('ix_customer_note_party', 'customer_note', ['company_id', 'party_id'], unique=False)
    op.create_table(
        'unrealized_change',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('change_id', sa.BigInteger(), nullable=False),
        sa.Column('transaction_id', sa.BigInteger(), nullable=False),
        sa.Column('change_date', sa.Date(), nullable=False),
        sa.Column('voucher_number', sa.String(length=40), nullable=False),
        sa.Column('change_minor', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'change_id'),
    )
    op.create_index('ix_unrealized_change_transaction', 'unrealized_change', ['company_id', 'transaction_id'],
                    unique=False)
    # Transactions revalued before: one row on the last revaluation date (ids from the transaction id, which
    # is unique per company; the counter continues after the largest).
    op.execute(
        "INSERT INTO unrealized_change (company_id, change_id, transaction_id, change_date, voucher_number, "
        "change_minor) SELECT t.company_id, t.transaction_id, t.transaction_id, t.last_revaluation_date, "
        "COALESCE(t.last_revaluation_voucher, ''), t.unrealized_minor + COALESCE((SELECT SUM("
        "st.unrealized_reversed_minor) FROM settlement st WHERE st.company_id = t.company_id AND "
        "st.transaction_id = t.transaction_id AND st.reversed_by_batch IS NULL), 0) FROM party_transaction t "
        "WHERE t.last_revaluation_date IS NOT NULL")
    op.execute(
        "INSERT INTO number_sequence (company_id, code, next_value) SELECT company_id, 'unrealized_change', "
        "MAX(change_id) + 1 FROM unrealized_change GROUP BY company_id")


def downgrade() -> None:
    # The counter of the history's ids goes with the history (the upgrade made it).
    op.execute("DELETE FROM number_sequence WHERE code = 'unrealized_change'")
    with op.batch_alter_table('party') as batch:
        batch.drop_column('collection_letter_sequence')
        batch.drop_column('interest_code')
    op.drop_index('ix_unrealized_change_transaction', table_name='unrealized_change')
    op.drop_table('unrealized_change')
    op.drop_index('ix_customer_note_party', table_name='customer_note')
    op.drop_table('customer_note')
