"""What every request passes through, over the real app: request ids, security headers, the
body size limit and latency metrics."""

import json
import logging
from collections.abc import AsyncIterator

import httpx

from app.core.logging import JsonFormatter, RequestIdFilter, request_id_var


async def test_every_response_carries_a_request_id(api: httpx.AsyncClient) -> None:
    made = await api.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    kept = await api.get("/healthz", headers={"X-Request-ID": "shop-trace-0001"})
    assert kept.headers["x-request-id"] == "shop-trace-0001"
    odd = await api.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>" and len(odd.headers["x-request-id"]) == 32


async def test_security_headers_and_page_policies(api: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/console", "/v1/me"):
        response = await api.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers  # not in development
    console = await api.get("/console")
    policy = console.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "content-security-policy" not in (await api.get("/healthz")).headers  # data, no page


async def test_a_body_over_the_limit_is_refused_before_it_is_read(api: httpx.AsyncClient) -> None:
    big = b'{"message": "' + b"a" * (1024 * 1024) + b'"}'
    declared = await api.post(
        "/v1/chat",
        content=big,
        headers={"Content-Type": "application/json", "Accept-Language": "zh-CN"},
    )
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large"
    assert "请求过大" in declared.json()["error"]["message"]

    async def pieces() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b"a" * 65536

    streamed = await api.post(
        "/v1/chat", content=pieces(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code in (400, 413)
    assert "error" in streamed.json()
    small = await api.post("/v1/chat", json={"message": ""})
    assert small.status_code == 422  # under the limit: the route's own validation answers


async def test_latency_is_measured_by_route(api: httpx.AsyncClient) -> None:
    await api.get("/v1/sessions/no-such-session/messages")
    metrics = (await api.get("/metrics")).text
    assert (
        'kefu_http_request_seconds_count{method="GET",route="/v1/sessions/{session_id}/messages",'
        'status="4xx"}' in metrics
    )


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.LogRecord("kefu.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.status = 200
    token = request_id_var.set("req-12345678")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "GET /x" and entry["request_id"] == "req-12345678"
    assert entry["status"] == 200 and entry["level"] == "INFO" and entry["logger"] == "kefu.access"
