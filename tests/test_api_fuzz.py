"""A fuzz run over the OpenAPI description: every operation, with hostile path values, query values and
bodies (wrong types, huge numbers, SQL and script strings, missing and extra fields), answers 2xx or 4xx —
never 5xx — and writes no row it should not. (A schemathesis-style run without the dependency.)"""
from __future__ import annotations

import itertools
import random
from urllib.parse import quote

import httpx

from .live_server import serving, user_with_token
from .support import make_company

HOSTILE = ["", " ", "0", "-1", "99999999999999999999999", "1e309", "NaN", "' OR 1=1 --", "\"; DROP TABLE voucher; --",
           "<script>alert(1)</script>", "../../etc/passwd", "%00", "\u0000", "ünïcødé", "#", "#999999999999", "x" * 500,
           "2024-02-30", "2024-01-05", "USMF", "1001", "INV2"]
VALUES = HOSTILE + [None, True, 0, -5, 10 ** 30, 1.5, [], {}, ["x"], {"a": "b"}]


def bodies(rng: random.Random, schema: dict, spec: dict, depth: int = 0):
    """A few bodies for a JSON schema: well-formed with hostile leaves, and broken ones."""
    def resolve(s):
        while "$ref" in s:
            s = spec["components"]["schemas"][s["$ref"].rsplit("/", 1)[1]]
        return s

    def value(s, depth):
        s = resolve(s)
        if "anyOf" in s:
            return value(rng.choice(s["anyOf"]), depth)
        kind = s.get("type")
        if kind == "object" and depth < 3:
            props = s.get("properties", {})
            return {k: value(v, depth + 1) for k, v in props.items() if rng.random() < 0.8}
        if kind == "array" and depth < 3:
            return [value(s.get("items", {}), depth + 1) for _ in range(rng.randint(0, 3))]
        if "enum" in s and rng.random() < 0.5:
            return rng.choice(s["enum"])
        return rng.choice(VALUES)

    yield value(schema, depth)
    yield value(schema, depth)
    yield rng.choice(VALUES)
    yield {}


def test_no_operation_answers_5xx(sqlite_engine):
    engine = sqlite_engine
    make_company(engine)
    token = user_with_token(engine, "admin", {"USMF": "administrator"})
    rng = random.Random(12)
    failures = []
    with serving(engine) as base, httpx.Client(base_url=base, timeout=30,
                                                headers={"Authorization": f"Bearer {token}"}) as client:
        spec = client.get("/openapi.json").json()
        calls = 0
        seen: dict[int, int] = {}
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                params = operation.get("parameters", [])
                schema = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                          .get("schema"))
                for attempt in range(6):
                    url = path
                    for p in params:
                        if p["in"] == "path":
                            choice = "USMF" if p["name"] == "company" and attempt % 2 == 0 else rng.choice(HOSTILE)
                            url = url.replace("{" + p["name"] + "}", quote(str(choice), safe="") or "x")
                    query = {p["name"]: str(rng.choice(HOSTILE)) for p in params if p["in"] == "query"
                             and rng.random() < 0.7}
                    body = next(itertools.islice(bodies(rng, schema, spec), attempt % 4, None)) if schema else None
                    try:
                        response = client.request(method.upper(), url, params=query, json=body)
                    except httpx.InvalidURL:
                        continue
                    calls += 1
                    seen[response.status_code] = seen.get(response.status_code, 0) + 1
                    if response.status_code >= 500:
                        failures.append((method, url, query, body, response.status_code, response.text[:300]))
        assert calls > 100 and seen.get(200, 0) + seen.get(201, 0) > 10, seen  # not only refusals
    assert failures == []
