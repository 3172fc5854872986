"""real-world posting rules (issue 15): check for voucher used per journal name; a voucher number unique per date

A journal name may carry its own check for voucher used (reject, reject within fiscal year, accept, warn); when
the check allows it a voucher number comes back on another date (twelve depreciation vouchers numbered 1, a
voucher spread over three months and balanced per date), so the number is unique per series and date.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 23:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _voucher_table(unique_columns: list[str], name: str) -> None:
    op.create_table(
        'voucher',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('voucher_id', sa.BigInteger(), nullable=False),
        sa.Column('series', sa.String(length=20), nullable=False),
        sa.Column('voucher_number', sa.String(length=40), nullable=False),
        sa.Column('posting_date', sa.Date(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('batch_id', sa.BigInteger(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.company_id'], name='fk_voucher_company'),
        sa.PrimaryKeyConstraint('company_id', 'voucher_id'),
        sa.UniqueConstraint(*unique_columns, name=name),
    )


def _change_unique(old: str, new: str, columns: list[str]) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(old, 'voucher', type_='unique')
        op.create_unique_constraint(new, 'voucher', columns)
        return
    # SQLite changes a constraint only by making the table again. The entries' foreign keys are checked at
    # commit (deferred): the old table is copied aside, dropped, made again and filled, so that every
    # entry finds its voucher again. (Renaming the table would carry the entries' references with it.)
    op.execute('PRAGMA defer_foreign_keys = ON')
    op.execute('CREATE TABLE voucher_copy AS SELECT * FROM voucher')
    op.drop_table('voucher')
    _voucher_table(columns, new)
    op.execute('INSERT INTO voucher (company_id, voucher_id, series, voucher_number, posting_date, period_id, kind, '
               'batch_id, description) SELECT company_id, voucher_id, series, voucher_number, posting_date, '
               'period_id, kind, batch_id, description FROM voucher_copy')
    op.drop_table('voucher_copy')


def upgrade() -> None:
    op.add_column('journal_name', sa.Column('voucher_reuse', sa.String(length=20), nullable=True))
    _change_unique('uq_voucher_number', 'uq_voucher_number_date',
                   ['company_id', 'series', 'voucher_number', 'posting_date'])


def downgrade() -> None:
    _change_unique('uq_voucher_number_date', 'uq_voucher_number', ['company_id', 'series', 'voucher_number'])
    with op.batch_alter_table('journal_name') as batch:
        batch.drop_column('voucher_reuse')
