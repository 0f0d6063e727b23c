"""Webhooks from the running service: the dispatcher started with the app delivers a signed
ticket event to a real local receiver, and admins read the delivery log."""

import asyncio
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.main import create_app
from app.services.webhooks import verify_signature
from tests.conftest import ADMIN_KEY, make_settings
from tests.receiver import serve

SECRET = "whsec-app-0123456789abcdef"


async def test_the_service_delivers_ticket_events(tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with serve(lambda _r: (200, {"ok": True})) as crm:
        app = create_app(
            make_settings(
                tmp_path,
                webhook_urls=f"{crm.url}/kefu, {crm.url}/audit",
                webhook_secret=SECRET,
                webhook_backoff_seconds=0.1,
            )
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as api:
                created = await api.post(
                    "/v1/tickets", json={"summary": "灯罩破损"}, headers=headers
                )
                assert created.status_code == 201
                for _ in range(100):
                    log = (await api.get("/v1/webhooks/deliveries", headers=headers)).json()
                    if log["items"] and all(d["status"] == "delivered" for d in log["items"]):
                        break
                    await asyncio.sleep(0.1)
    assert sorted(d["url"] for d in log["items"]) == [f"{crm.url}/audit", f"{crm.url}/kefu"]
    assert {d["ticket_id"] for d in log["items"]} == {created.json()["id"]}
    assert sorted(r.path for r in crm.requests) == ["/audit", "/kefu"]
    for request in crm.requests:
        assert verify_signature(SECRET, request.headers["X-Kefu-Signature"], request.body)
        assert request.json()["ticket"]["summary"] == "灯罩破损"  # type: ignore[index]


def test_webhooks_need_a_real_secret(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="KEFU_WEBHOOK_SECRET"):
        make_settings(tmp_path, webhook_urls="http://crm.example/hook", webhook_secret="short")
    with pytest.raises(ValidationError, match="not an http"):
        make_settings(tmp_path, webhook_urls="crm.example/hook", webhook_secret=SECRET)
