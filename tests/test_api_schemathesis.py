"""Schemathesis over the OpenAPI description (issue 12): for every operation it generates requests from the
schema (valid and invalid path values, queries and bodies) and sends them to a running server as an
administrator of the company: no answer is a 5xx. Derandomized, so that a failure reproduces."""
from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from .live_server import serving, user_with_token
from .support import make_company

EXAMPLES = 15  # per operation: about 1,100 requests in all


def test_schemathesis_finds_no_server_error(sqlite_engine):
    engine = sqlite_engine
    make_company(engine)
    token = user_with_token(engine, "fuzz", {"USMF": "administrator"})
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    with serving(engine) as base:
        schema = schemathesis.openapi.from_dict(httpx.get(f"{base}/openapi.json", timeout=30).json())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 60

        for operation in operations:
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def call(case):
                if case.path_parameters and "company" in case.path_parameters:
                    case.path_parameters["company"] = "USMF"  # reach the handlers, not only the role check
                response = case.call(base_url=base, headers=headers, timeout=60)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300}: "
                                    f"{response.status_code} {response.text[:300]}")

            call()
    assert failures == []
