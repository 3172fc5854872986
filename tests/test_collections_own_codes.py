"""A customer's own interest code and collection letter sequence (issue 9): set on the customer, they take
precedence over the code given to the run and over the company parameters; the others are charged as before."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from bilag.errors import BilagError
from bilag.services.collection_notes import collection_documents, create_collection_letters, create_interest_notes
from bilag.services.masterdata import change_record, list_records
from bilag.services.setup import setup_company

from .collect_support import collect_setup
from .test_collections_interest import ACCOUNTS, INTEREST, LETTERS, _invoice

LETTERS_OWN = {**LETTERS, "SOFT": {"letters": [{"days": 20, "fee": "5.00"}], "account": "801600"}}


def _company(engine, customers: dict[str, dict] | None = None, **parameters):
    setup = collect_setup()
    setup["accounts"] = setup["accounts"] + ACCOUNTS
    setup["parameters"] = {"interest_codes": INTEREST, "interest_code": "R1",
                           "collection_letter_sequences": LETTERS_OWN, "collection_letter_sequence": "STD",
                           "fee_account": "801600", **parameters}
    for customer in setup["customers"]:
        customer.update((customers or {}).get(customer["id"], {}))
    return setup_company(engine, setup)


def test_the_customers_own_interest_code_takes_precedence(engine):
    _company(engine, {"C-2": {"interest_code": "DAILY"}})
    _invoice(engine, "C-1")  # 1,250.00 due 2024-02-09
    _invoice(engine, "C-2")
    run = create_interest_notes(engine, None, date(2024, 3, 10), post=True)
    # C-1 by the parameter's R1: 1,250.00 × 1.5 % × 30/30 = 18.75; C-2 by its own DAILY: 1,250.00 × 1 % × 30 = 375.00
    assert [(n.customer, n.code, n.interest_minor) for n in run.notes] == [("C-1", "R1", 1875), ("C-2", "DAILY", 37500)]
    assert [(d["party_id"], d["code"], d["amount_minor"]) for d in collection_documents(engine, None)] == [
        ("C-1", "R1", 1875), ("C-2", "DAILY", 37500)]
    # The code given to a run stands in for the parameter; the customer's own still wins.
    _invoice(engine, "C-1", day="2024-01-20")
    again = create_interest_notes(engine, None, date(2024, 3, 20), code="MIN", customers=["C-1", "C-2"])
    assert [(n.customer, n.code) for n in again.notes] == [("C-1", "MIN"), ("C-2", "DAILY")]


def test_own_codes_without_a_company_default(engine):
    _company(engine, {"C-1": {"interest_code": "R1", "collection_letter_sequence": "SOFT"}},
             interest_code="", collection_letter_sequence="")
    _invoice(engine, "C-1")
    assert [(n.customer, n.interest_minor) for n in create_interest_notes(engine, None, date(2024, 3, 10)).notes] == [
        ("C-1", 1875)]
    letters = create_collection_letters(engine, None, date(2024, 3, 10), post=True)
    assert [(letter.customer, letter.sequence, letter.level, letter.fee) for letter in letters.letters] == [
        ("C-1", "SOFT", 1, D("5.00"))]
    _invoice(engine, "C-2")  # C-2 has no code of its own and the company none: refused, naming why
    with pytest.raises(BilagError, match="no interest code given, and the interest_code parameter names none"):
        create_interest_notes(engine, None, date(2024, 3, 10))


def test_letters_by_the_customers_own_sequence(engine):
    _company(engine, {"C-2": {"collection_letter_sequence": "SOFT"}})
    _invoice(engine, "C-1")
    _invoice(engine, "C-2")
    run = create_collection_letters(engine, None, date(2024, 3, 10), post=True)  # 30 days overdue
    # C-1 by STD: the second letter needs 30 days but comes one level per run: letter 1, no fee; C-2 by SOFT: 5.00
    assert [(letter.customer, letter.sequence, letter.level, letter.fee) for letter in run.letters] == [
        ("C-1", "STD", 1, D("0")), ("C-2", "SOFT", 1, D("5.00"))]
    assert [(d["party_id"], d["code"]) for d in collection_documents(engine, None, kind="collection_letter")] == [
        ("C-1", "STD"), ("C-2", "SOFT")]


def test_own_codes_are_master_data_and_checked(engine):
    _company(engine)
    change_record(engine, None, "customer", ("C-1",), {"interest_code": "MIN", "collection_letter_sequence": "SOFT"})
    [c1] = [r for r in list_records(engine, None, "customers") if r["id"] == "C-1"]
    assert (c1["interest_code"], c1["collection_letter_sequence"]) == ("MIN", "SOFT")
    with pytest.raises(BilagError, match=r"interest code NOPE does not exist \(parameters.interest_codes: DAILY, "):
        change_record(engine, None, "customer", ("C-2",), {"interest_code": "NOPE"})
    with pytest.raises(BilagError, match="collection letter sequence NOPE does not exist"):
        _company_with_bad_sequence(engine)


def _company_with_bad_sequence(engine):
    setup = collect_setup(company={"id": "BAD", "name": "Bad", "accounting_currency": "USD"})
    setup["parameters"] = {"collection_letter_sequences": LETTERS}
    setup["customers"] = [{"id": "C-9", "collection_letter_sequence": "NOPE"}]
    setup_company(engine, setup)


def test_own_codes_through_the_http_api(engine):
    import httpx

    from .live_server import serving, user_with_token

    _company(engine)
    _invoice(engine, "C-1")
    _invoice(engine, "C-2")
    admin = user_with_token(engine, "ada", {"USMF": "administrator"})
    with serving(engine) as base, httpx.Client(base_url=base, timeout=30,
                                               headers={"Authorization": f"Bearer {admin}"}) as api:
        changed = api.patch("/api/companies/USMF/master/customer/C-2", json={"interest_code": "DAILY"})
        assert changed.status_code == 200, changed.text
        refused = api.patch("/api/companies/USMF/master/customer/C-1", json={"collection_letter_sequence": "NOPE"})
        assert refused.status_code == 422 and "collection letter sequence NOPE does not exist" in refused.text
        run = api.post("/api/companies/USMF/interest-notes", json={"date": "2024-03-10"})
        assert run.status_code in (200, 201), run.text
        assert [(n["customer"], n["code"], n["interest"]) for n in run.json()["interest_notes"]] == [
            ("C-1", "R1", "18.75"), ("C-2", "DAILY", "375.00")]
