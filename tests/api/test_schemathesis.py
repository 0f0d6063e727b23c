"""Schemathesis against the app's own OpenAPI schema: every operation, with data that fits its
schema and data that does not, on SQLite and on PostgreSQL, as the admin.

No response is a server error, and each one is what the schema says it may be: a documented
status code, content type and body (errors included: ``{"error": {"code", "message"}}``). Data the
schema refuses is refused (a 4xx), and data it allows is not refused as invalid.

The requests go through the session's real app (``api``: real LLM, embedder, Chroma, database),
the same one every API test uses, on its own event loop; schemathesis makes the cases and checks
the answers. (``schemathesis.openapi.from_asgi`` and ``case.call`` would start the app's lifespan
again on schemathesis' own event-loop thread: a second container, with a second LLM, on the same
app; and ``schemathesis.pytest.from_fixture`` does not run under pytest 9.2, whose test items have
no ``_nodeid``.)"""

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
import hypothesis.core
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis.vendor.pretty import RepresentationPrinter
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.conftest import ADMIN_KEY, make_settings

# schemathesis' pytest plugin blanks Hypothesis' report of a failing example; the report of a
# failure here should say which request failed.
hypothesis.core.RepresentationPrinter = RepresentationPrinter  # type: ignore[misc]

# Each chat case that passes validation is a real turn (retrieval, maybe the LLM): few of them.
CHAT_EXAMPLES = 10
EXAMPLES = 40
# Schemathesis' default answers to data the schema allows, but 5xx: never a server error here.
ACCEPTED = ["2xx", 401, 403, 404, 409, 429]
CONFIG = schemathesis.Config.from_dict(
    {
        "headers": {"Authorization": f"Bearer {ADMIN_KEY}"},
        "generation": {"max-examples": EXAMPLES},
        "operations": [
            {"include-path-regex": "^/v1/chat", "generation": {"max-examples": CHAT_EXAMPLES}},
            {
                # What a file holds and the type its name says; a ticket's session must exist.
                "include-name": ["POST /v1/documents", "POST /v1/tickets"],
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, 415, 422]}
                },
            },
            {
                # A range of days (from <= to, at most 400 days) and a period that has begun are
                # rules between values, which a JSON schema cannot say: 422 is their answer.
                "include-path-regex": "^/v1/(analytics|reports)/",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, 422]}},
            },
            {
                # A time that has no UTC: 0001-01-01T00:00:00+14:00 (it was a 500).
                "include-name": "GET /v1/audit",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, 422]}},
            },
        ],
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


@pytest.fixture(scope="session")
async def app_loop(api: httpx.AsyncClient) -> asyncio.AbstractEventLoop:
    """The loop the app's lifespan (and so its container) runs on."""
    return asyncio.get_running_loop()


def send(api: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, case: Any) -> httpx.Response:
    """The case as schemathesis' own requests transport would put it on the wire, sent to the
    session's app."""
    kwargs = case.as_transport_kwargs(base_url=str(api.base_url))
    kwargs.pop("cookies", None)
    prepared = requests.Request(**kwargs).prepare()
    return loop.run_until_complete(
        api.request(
            prepared.method or "GET",
            prepared.url or "",
            headers=dict(prepared.headers),
            content=prepared.body,
        )
    )


def _openapi() -> dict[str, Any]:
    """The schema of an app like the session's (the schema does not depend on the settings)."""
    with tempfile.TemporaryDirectory() as data_dir:
        return create_app(make_settings(Path(data_dir))).openapi()


OPENAPI = _openapi()
schema = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)


@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema(
    case: Any, api: httpx.AsyncClient, app_loop: asyncio.AbstractEventLoop
) -> None:
    case.validate_response(send(api, app_loop, case), checks=CHECKS)


def test_the_schema_is_the_apps_and_documents_its_errors(api_app: FastAPI) -> None:
    """The schema tested above is the app's, and every error it documents has the error body
    (FastAPI's own 422 ``{"detail": [...]}`` is never sent)."""
    assert api_app.openapi() == OPENAPI
    assert "HTTPValidationError" not in json.dumps(OPENAPI)
    documented = 0
    for path, operations in OPENAPI["paths"].items():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status[0] in "45" and path != "/readyz":  # readiness says which check failed
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
                    documented += 1
    assert documented > 50


# --- what schemathesis found, and what it cannot make: each a clear 4xx, nothing stored ----------

NUL, SURROGATE = "\x00", "\ud800"  # PostgreSQL refuses the one; no database can store the other
TOO_BIG_ID = 2**31  # one past PostgreSQL's integer ids (and 2**63 past SQLite's)


def raw_json(body: object) -> dict[str, Any]:
    """A JSON body as a browser sends it: a lone surrogate travels as its ``\\ud800`` escape."""
    return {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}


UNSTORABLE_TEXT = [
    ("POST", "/v1/chat", {"message": f"hi{NUL}"}),
    ("POST", "/v1/chat", {"message": f"where is my order {SURROGATE}"}),
    ("POST", "/v1/chat/stream", {"message": SURROGATE}),
    ("POST", "/v1/chat", {"message": "hi", "customer_id": f"c{NUL}1"}),
    ("POST", "/v1/chat/stream", {"message": "hi", "customer_id": SURROGATE}),
    ("POST", "/v1/chat", {"message": "hi", "locale": f"en{NUL}"}),
    ("POST", "/v1/chat", {"message": "hi", "session_id": "abc\n"}),  # `$` let a newline in
    ("POST", "/v1/sessions/s1/feedback", {"rating": 5, "comment": f"good{NUL}"}),
    ("POST", "/v1/intents/classify", {"text": f"where{SURROGATE}"}),
    ("POST", "/v1/search", {"query": f"returns{NUL}"}),
    ("POST", "/v1/search", {"query": "returns", "document": f"faq{NUL}.md"}),
    ("POST", "/v1/tickets", {"summary": f"broken{NUL}"}),
    ("POST", "/v1/tickets", {"summary": "broken", "customer_id": SURROGATE}),
    ("POST", "/v1/tickets", {"summary": "broken", "order_id": f"LM{NUL}"}),
    ("POST", "/v1/tickets", {"summary": "broken", "idempotency_key": f"k{NUL}"}),
    ("PATCH", "/v1/tickets/1", {"assignee": f"amy{NUL}"}),
    ("POST", "/v1/tickets/1/replies", {"body": f"hello{SURROGATE}"}),
    ("POST", "/v1/vault/reveal", {"token": "[PHONE:0123456789]", "reason": f"call{NUL}back"}),
    ("GET", "/v1/tickets?assignee=%00", None),
    ("GET", "/v1/audit?subject=a%00b", None),
    ("GET", "/v1/customers/%00/export", None),
    ("DELETE", "/v1/customers/c%001", None),
    ("DELETE", "/v1/documents/%00", None),
]


@pytest.mark.parametrize(("method", "path", "body"), UNSTORABLE_TEXT)
async def test_text_no_database_can_store_is_refused(
    api: httpx.AsyncClient,
    admin_headers: dict[str, str],
    method: str,
    path: str,
    body: object,
) -> None:
    before = (await api.get("/v1/tickets", headers=admin_headers)).json()["items"]
    kwargs = raw_json(body) if body is not None else {"headers": {}}
    kwargs["headers"].update(admin_headers)
    response = await api.request(method, path, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert (await api.get("/v1/tickets", headers=admin_headers)).json()["items"] == before


def multipart(filename: bytes, data: bytes) -> dict[str, Any]:
    """A one-file upload with the file name's bytes as they are (httpx would escape a NUL)."""
    body = (
        b'--kefu\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: text/markdown\r\n\r\n'
        + data
        + b"\r\n--kefu--\r\n"
    )
    return {"content": body, "headers": {"Content-Type": "multipart/form-data; boundary=kefu"}}


@pytest.mark.parametrize("filename", [b"faq\x00.md", ("长" * 300 + ".md").encode()])
async def test_a_file_name_no_database_can_store_is_refused(
    api: httpx.AsyncClient, admin_headers: dict[str, str], filename: bytes
) -> None:
    before = (await api.get("/v1/documents", headers=admin_headers)).json()["items"]
    upload = multipart(filename, b"# FAQ\n\nReturns are free for 30 days.")
    upload["headers"].update(admin_headers)
    response = await api.post("/v1/documents", **upload)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert (await api.get("/v1/documents", headers=admin_headers)).json()["items"] == before


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/tickets/{TOO_BIG_ID}",
        f"/v1/tickets/{2**64}",
        "/v1/tickets/0",
        f"/v1/sessions/s1/messages?after={TOO_BIG_ID}",
        "/v1/analytics/summary?to=9999-12-31",
        "/v1/analytics/summary?from=0001-01-01&to=0001-01-02",
        "/v1/analytics/export?to=0001-01-01",
        "/v1/analytics/summary?to=0",  # a number is not a day (it was read as 1970-01-01)
        "/v1/audit?since=0.5",
        "/v1/audit?since=2026-01-01T10:00:00",  # which time zone? (it was a 500)
        "/v1/audit?since=0001-01-01T00:00:00%2B14:00",  # before year 1 in UTC (a 500 too)
        "/v1/reports/0000-01",
        "/v1/reports/0001-01",
        "/v1/reports/9999-12",
        "/v1/reports/2026-11%0A",
    ],
)
async def test_numbers_and_days_out_of_range_are_refused(
    api: httpx.AsyncClient, admin_headers: dict[str, str], path: str
) -> None:
    response = await api.get(path, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in {"invalid_request", "invalid_period"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", f"/v1/tickets/{TOO_BIG_ID}", {"status": "pending"}),
        ("POST", f"/v1/tickets/{TOO_BIG_ID}/replies", {"body": "hello"}),
        ("POST", f"/v1/webhooks/deliveries/{TOO_BIG_ID}/retry", None),
    ],
)
async def test_ids_past_the_columns_are_refused(
    api: httpx.AsyncClient, admin_headers: dict[str, str], method: str, path: str, body: object
) -> None:
    response = await api.request(method, path, json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


async def test_other_unusual_text_is_kept_as_written(api: httpx.AsyncClient) -> None:
    """Control characters, emoji, combining marks and mixed scripts are text like any other: the
    shopper's message is stored whole."""
    message = "退货\x01 policy 😀 e\u0301 \u200b\u202e ok\x7f?"
    done = await api.post("/v1/chat", json={"message": message})
    assert done.status_code == 200, done.text
    transcript = await api.get(f"/v1/sessions/{done.json()['session_id']}/messages")
    assert transcript.json()["messages"][0]["content"] == message
