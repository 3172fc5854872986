"""Changes that belong to no company (users, tokens) number their audit entries from one counter: two such
changes at the same moment both get an entry, one after the other (PostgreSQL: a transaction-scoped lock;
SQLite: one writer at a time), never a duplicate-key failure."""
from __future__ import annotations

import threading
import time

from sqlalchemy import select

from bilag.services.audit import GLOBAL, AuditChange, record_changes
from bilag.services.users import add_user, set_locale
from bilag.store import schema as s


def test_two_users_changed_at_once_both_get_the_next_audit_entry(engine):
    add_user(engine, "anna", "correct horse battery")
    add_user(engine, "bo", "correct horse battery")
    done: list[str] = []

    def change_bo():
        set_locale(engine, "bo", "sv", actor="admin")
        done.append("bo")

    with engine.begin() as first:  # anna's change holds the counter until it commits
        record_changes(first, GLOBAL, "admin", [AuditChange("user", "anna", "changed", {"locale": "en"},
                                                            {"locale": "da"})])
        other = threading.Thread(target=change_bo)
        other.start()
        time.sleep(1.0)
        assert done == []  # bo waits for anna's transaction
    other.join(60)
    assert done == ["bo"]
    with engine.connect() as connection:
        rows = connection.execute(select(s.audit_entry.c.audit_id, s.audit_entry.c.record_key).where(
            s.audit_entry.c.company_id == GLOBAL).order_by(s.audit_entry.c.audit_id)).all()
    keys = [key for _, key in rows]
    assert keys[-2:] == ["anna", "bo"] and [i for i, _ in rows] == list(range(1, len(rows) + 1))
