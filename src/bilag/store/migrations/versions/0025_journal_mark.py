"""journal marks: what the stored journals' lines mark for settlement (settle_invoice), one row per invoice or
transaction named, indexed by party (issue 11: every settlement read and decoded every line of every journal ever
stored, posted or not, to find the few marks of open journals: 256 ms per settle with 200,000 stored lines).
The marks of the journals open at the upgrade are copied from their lines, read as the settlement read them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 08:30:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def _references(settle_invoice: str) -> list[str]:
    # As store.stored_journals.marked_references at this revision: an invoice, or transaction numbers `#N,#M`.
    parts = [part.strip() for part in settle_invoice.split(",")]
    if len(parts) > 1 and all(part.startswith("#") and part[1:].isdigit() for part in parts):
        return parts
    return [settle_invoice]


def upgrade() -> None:
    mark = op.create_table(
        'journal_mark',
        sa.Column('company_id', sa.String(length=20), nullable=False),
        sa.Column('journal_id', sa.BigInteger(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('mark_no', sa.Integer(), nullable=False),
        sa.Column('party_type', sa.String(length=10), nullable=False),
        sa.Column('party_id', sa.Text(), nullable=False),
        sa.Column('reference', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('company_id', 'journal_id', 'line_no', 'mark_no'),
    )
    op.create_index('ix_journal_mark_party', 'journal_mark', ['company_id', 'party_type', 'party_id'], unique=False)
    lines = op.get_bind().execute(sa.text(
        "SELECT l.company_id, l.journal_id, l.line_no, l.fields FROM journal_line l JOIN journal j "
        "ON j.company_id = l.company_id AND j.journal_id = l.journal_id "
        "WHERE j.status = 'open' AND l.fields LIKE :marking"), {"marking": '%"settle_invoice"%'}).all()
    rows = []
    for company_id, journal_id, line_no, fields in lines:
        values = json.loads(fields)
        party_type = str(values.get("account_type", "")).strip().lower()
        if values.get("settle_invoice") and party_type in ("customer", "vendor"):
            party_id = str(values.get("account", "")).strip()
            rows += [{"company_id": company_id, "journal_id": journal_id, "line_no": line_no, "mark_no": number,
                      "party_type": party_type, "party_id": party_id, "reference": reference}
                     for number, reference in enumerate(_references(str(values["settle_invoice"])))]
    if rows:
        op.bulk_insert(mark, rows)


def downgrade() -> None:
    op.drop_index('ix_journal_mark_party', table_name='journal_mark')
    op.drop_table('journal_mark')
