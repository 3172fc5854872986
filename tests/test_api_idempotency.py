"""An Idempotency-Key on the journal posting call is claimed and answered inside the posting's own transaction:
concurrent retries post once, a retry after the world changed still gets the first answer, and a refused
request leaves the key free."""
from __future__ import annotations

import threading
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from bilag.services.periods import set_period_status
from bilag.store import schema as s

from .live_server import serving, user_with_token
from .support import make_company

LINES = [{"voucher": "V1", "account_type": "Ledger", "account": "606300-001--", "debit": "125.50"},
         {"voucher": "V1", "account_type": "Ledger", "account": "110110-001-", "credit": "125.50"}]
BODY = {"lines": LINES, "date": "2024-01-05"}
POST = "/api/companies/USMF/journal/post"


@pytest.fixture
def api(engine):
    make_company(engine)
    token = user_with_token(engine, "anna", {"USMF": "accountant"})
    with serving(engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            yield client


def vouchers(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(s.voucher)).scalar_one()


# Without a voucher number the sequence numbers the journal: posting it twice would not be refused, so only the
# key's claim stands between a retry and a second posting.
UNNUMBERED = {"lines": [{k: v for k, v in line.items() if k != "voucher"} for line in LINES], "date": "2024-01-05"}


@pytest.mark.parametrize("body", [BODY, UNNUMBERED], ids=["numbered", "unnumbered"])
def test_concurrent_retries_with_one_key_post_once(api, engine, body):
    answers: list[httpx.Response] = []

    def retry() -> None:
        with httpx.Client(base_url=api.base_url, headers=api.headers, timeout=60) as client:
            answers.append(client.post(POST, json=body, headers={"Idempotency-Key": "same"}))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    assert sum(a.headers.get("idempotent-replayed") != "true" for a in answers) == 1
    assert len({a.text for a in answers}) == 1
    assert vouchers(engine) == 1


def test_a_retry_gets_the_first_answer_even_when_posting_again_would_be_refused(api, engine):
    first = api.post(POST, json=BODY, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.text
    set_period_status(engine, "USMF", date(2024, 1, 5), "on_hold")
    refused = api.post(POST, json=BODY, headers={"Idempotency-Key": "k2"})
    assert refused.status_code == 422 and "hold" in refused.text.lower()
    again = api.post(POST, json=BODY, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert vouchers(engine) == 1


def test_a_refused_request_leaves_its_key_free_and_another_body_conflicts(api, engine):
    bad = api.post(POST, json={**BODY, "lines": [LINES[0], {**LINES[1], "credit": "125.49"}]},
                   headers={"Idempotency-Key": "k"})
    assert bad.status_code == 422
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.api_request)).scalar_one() == 0
    good = api.post(POST, json=BODY, headers={"Idempotency-Key": "k"})
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers
    other = api.post(POST, json={**BODY, "date": "2024-01-06"}, headers={"Idempotency-Key": "k"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    too_long = api.post(POST, json=BODY, headers={"Idempotency-Key": "x" * 201})
    assert too_long.status_code == 422 and too_long.json()["code"] == "bad_idempotency_key"
    assert vouchers(engine) == 1


def test_concurrent_clients_each_get_their_own_posting(api, engine):
    """Postings that arrive together go in one transaction (group commit) and still answer each client alone:
    its own batch and voucher; a refused one is refused alone."""
    from bilag.services.verify import verify_ledger

    answers: dict[str, httpx.Response] = {}

    def client(index: int) -> None:
        with httpx.Client(base_url=api.base_url, headers=api.headers, timeout=60) as session:
            for n in range(4):
                number = f"C{index}-{n}"
                lines = [{**LINES[0], "voucher": number}, {**LINES[1], "voucher": number}]
                if (index, n) == (3, 2):  # unbalanced
                    lines[1] = {**lines[1], "credit": "125.49"}
                answers[number] = session.post(POST, json={"lines": lines, "date": "2024-01-05"},
                                               headers={"Idempotency-Key": number})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = answers.pop("C3-2")
    assert refused.status_code == 422 and refused.json()["code"] == "unbalanced_voucher", refused.text
    assert {a.status_code for a in answers.values()} == {201}, [a.text for a in answers.values()]
    assert {number: a.json()["vouchers"][0]["voucher"] for number, a in answers.items()} == {n: n for n in answers}
    assert len({a.json()["batch"] for a in answers.values()}) == 31
    assert vouchers(engine) == 31
    assert all(report.ok for report in verify_ledger(engine, "USMF"))
