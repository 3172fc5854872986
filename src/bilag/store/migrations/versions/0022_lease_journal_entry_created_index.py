"""lease journal entries: the index by journal holds only the entries of journals still to post (status created)
(issue 10)

The lease batch writes one row per schedule line (360,000 for 10,000 leases x 12 months x 3 schedules); when it
posts them at once, none of them goes into this index any more. The index serves the lease run (the created
journals and their entries) and the lock on lease journals (services.journals.refuse_lease_journal), which ask for
created entries only.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 11:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_lease_journal_entry_journal', table_name='lease_journal_entry')
    op.create_index('ix_lease_journal_entry_journal', 'lease_journal_entry', ['company_id', 'journal_id'],
                    unique=False, sqlite_where=sa.text("status = 'created'"),
                    postgresql_where=sa.text("status = 'created'"))


def downgrade() -> None:
    op.drop_index('ix_lease_journal_entry_journal', table_name='lease_journal_entry')
    op.create_index('ix_lease_journal_entry_journal', 'lease_journal_entry', ['company_id', 'journal_id'],
                    unique=False)
