"""The real application on a free loopback port (uvicorn in a thread), for API and browser tests."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import uvicorn

from bilag.api.app import create_app
from bilag.services.users import add_user, create_token, grant

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(engine):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def user_with_token(engine, name: str, roles: dict[str, str]) -> str:
    """A user with the given role per company; returns a bearer token."""
    add_user(engine, name, PASSWORD)
    for company, role in roles.items():
        grant(engine, name, company, role)
    return create_token(engine, name, "test")


@contextmanager
def accountant_client(engine, company: str = "USMF"):
    """The served application and an httpx client signed in as anna, accountant in `company`; the client
    carries vera's viewer token (client.viewer_token) for the tests of what a viewer may not do."""
    import httpx

    token = user_with_token(engine, "anna", {company: "accountant"})
    viewer = user_with_token(engine, "vera", {company: "viewer"})
    with serving(engine) as base:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            client.viewer_token = viewer  # type: ignore[attr-defined]
            yield client
