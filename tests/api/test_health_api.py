"""Health, readiness, metrics and the web pages."""

import httpx


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
