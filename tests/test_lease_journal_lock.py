"""A journal the lease batch created is locked (seed 000, rule B7): the stored-journal commands neither edit,
delete nor post it; only the lease run posts it and records each schedule line's voucher (rule B6)."""
from __future__ import annotations

from datetime import date

import pytest

from bilag.errors import BilagError
from bilag.services import stored_journals
from bilag.services.journals import post_stored_journal
from bilag.services.leases import add_leases, create_lease_journals, post_lease_journals

from .lease_support import ex_l1_lease, make_lease_company


def created_journal(engine) -> int:
    make_lease_company(engine)
    add_leases(engine, None, [ex_l1_lease()])
    (journal,) = create_lease_journals(engine, None, ["initial_recognition"], date(2024, 1, 31)).journals
    return journal.journal_id


@pytest.mark.parametrize("action", [
    lambda engine, journal_id: stored_journals.replace_line(engine, None, journal_id, 1, {"amount": "1.00"}),
    lambda engine, journal_id: stored_journals.delete_line(engine, None, journal_id, 1),
    lambda engine, journal_id: stored_journals.delete_journal(engine, None, journal_id),
    lambda engine, journal_id: post_stored_journal(engine, None, journal_id),
], ids=["replace-line", "delete-line", "delete-journal", "post-stored"])
def test_a_created_lease_journal_is_locked_for_the_stored_journal_commands(engine, action):
    journal_id = created_journal(engine)
    before = stored_journals.show_journal(engine, None, journal_id)
    with pytest.raises(BilagError) as caught:
        action(engine, journal_id)
    assert caught.value.code == "lease_journal_locked"
    assert f"journal {journal_id}" in str(caught.value) and "bilag lease post" in str(caught.value)
    assert stored_journals.show_journal(engine, None, journal_id) == before


def test_the_lease_run_still_posts_it_and_records_the_voucher(engine):
    journal_id = created_journal(engine)
    result = post_lease_journals(engine, None, [journal_id])
    assert [journal.journal_id for journal in result.journals] == [journal_id] and result.vouchers
