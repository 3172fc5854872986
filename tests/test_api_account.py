"""The caller's own account through the API: change the password (the current one asked again; web sessions
end), and make, list and revoke API tokens."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from bilag.services.users import authenticate, start_session
from bilag.store import schema as s

from .live_server import PASSWORD, serving, user_with_token
from .support import make_company


@pytest.fixture
def served(engine):
    make_company(engine)
    token = user_with_token(engine, "anna", {"USMF": "viewer"})
    with serving(engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            yield client


def test_the_caller_changes_their_password_and_their_web_sessions_end(served, engine):
    start_session(engine, "anna")
    wrong = served.post("/api/me/password", json={"current_password": "guess-again", "new_password": "n3w-secret!"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_password"
    short = served.post("/api/me/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and short.json()["code"] == "weak_password"
    assert authenticate(engine, "anna", PASSWORD) is not None
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.web_session)).scalar_one() == 1
    done = served.post("/api/me/password", json={"current_password": PASSWORD, "new_password": "n3w-secret!"})
    assert done.status_code == 204
    assert authenticate(engine, "anna", PASSWORD) is None and authenticate(engine, "anna", "n3w-secret!")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(s.web_session)).scalar_one() == 0
    anonymous = httpx.post(str(served.base_url).rstrip("/") + "/api/me/password",
                           json={"current_password": PASSWORD, "new_password": "n3w-secret!"})
    assert anonymous.status_code == 401


def test_the_caller_makes_lists_and_revokes_their_tokens(served):
    made = served.post("/api/me/tokens", json={"label": "ci", "days": 30})
    assert made.status_code == 201
    record = made.json()
    assert record["label"] == "ci" and record["secret"].startswith("bil_") and record["expires_at"]
    listed = served.get("/api/me/tokens").json()["items"]
    assert {t["label"] for t in listed} == {"test", "ci"}
    assert all("secret" not in t for t in listed)
    fresh = httpx.get(str(served.base_url).rstrip("/") + "/api/me",
                      headers={"Authorization": f"Bearer {record['secret']}"})
    assert fresh.status_code == 200 and fresh.json()["user"] == "anna"
    assert served.delete("/api/me/tokens/ci").json()["revoked"][0]["token"] == record["token"]
    gone = httpx.get(str(served.base_url).rstrip("/") + "/api/me",
                     headers={"Authorization": f"Bearer {record['secret']}"})
    assert gone.status_code == 401
    assert served.delete("/api/me/tokens/nothing-like-it").status_code == 404
    assert served.post("/api/me/tokens", json={"days": 0}).status_code == 422
