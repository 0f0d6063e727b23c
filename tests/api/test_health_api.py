"""Health, readiness, metrics and the web pages."""

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from tests.conftest import DEMO_KB, make_settings


async def test_health_and_readiness(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "llm": True,
        "intent_model": True,
        "graph": True,
        "database": True,
        "knowledge_store": True,
    }


async def test_metrics_are_prometheus_text(api: httpx.AsyncClient) -> None:
    await api.post("/v1/chat", json={"message": "Do you sell tractors and combine harvesters?"})
    text = (await api.get("/metrics")).text
    assert "kefu_chat_turns_total" in text
    assert "kefu_chat_first_token_seconds_bucket" in text


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_llm_tokens_and_tickets(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = samples((await api.get("/metrics")).text)
    turn = await api.post(  # the LLM writes this ticket
        "/v1/chat",
        json={"message": "I was charged twice for order LM20261002, please refund one payment"},
    )
    assert turn.status_code == 200 and turn.json()["handoff"] is True
    after = samples((await api.get("/metrics")).text)

    tokens = ("kefu_llm_generated_tokens_total", ())
    assert after[tokens] > before.get(tokens, 0)
    speeds = ("kefu_llm_tokens_per_second_count", ())
    assert after[speeds] > before.get(speeds, 0)
    assert after[("kefu_llm_waiting_requests", ())] == 0  # nothing left counted as waiting
    assert after[("kefu_llm_generating_requests", ())] == 0

    listed = (await api.get("/v1/tickets", params={"status": "open"}, headers=admin_headers)).json()
    open_tickets = sum(
        value
        for (name, labels), value in after.items()
        if name == "kefu_tickets" and ("status", "open") in labels
    )
    assert open_tickets == len(listed["items"]) >= 1
    assert ("kefu_tickets_overdue", (("clock", "first_response"),)) in after


async def test_demo_page_widget_and_console_are_served(api: httpx.AsyncClient) -> None:
    page = await api.get("/")
    assert page.status_code == 200 and '<script src="/widget.js"' in page.text
    widget = await api.get("/widget.js")
    assert (
        widget.headers["content-type"].startswith("text/javascript")
        and "/v1/chat/stream" in widget.text
        and "attachShadow" in widget.text  # the built widget, not a stand-in
    )
    console = await api.get("/console")
    assert console.status_code == 200 and "/static/console.js" in console.text
    for asset in ("/static/console.js", "/static/console.css"):
        assert (await api.get(asset)).status_code == 200


async def test_with_redis_away_a_worker_is_degraded_and_still_answers(tmp_path: Path) -> None:
    """Redis configured and away: readiness says so (degraded, still 200: limits and session
    locks fall back to each worker), and a chat turn is answered all the same."""
    settings = make_settings(
        tmp_path,
        redis_url="redis://127.0.0.1:9/0",
        llm="openai-compatible:http://127.0.0.1:9/v1",
        rate_limit_ip="300/minute",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.container.pipeline.ingest_paths([DEMO_KB / "returns.en.md"])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://kefu.test", timeout=60
        ) as client:
            readiness = await client.get("/readyz")
            turn = await client.post(
                "/v1/chat", json={"message": "How many days do I have to return something?"}
            )
    assert readiness.status_code == 200
    body = readiness.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"] is False and body["checks"]["llm"] is False
    assert body["checks"]["database"] is True
    assert turn.status_code == 200 and turn.json()["sources"] and "[1]" in turn.json()["answer"]
