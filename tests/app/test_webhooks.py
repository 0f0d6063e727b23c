"""Webhooks: signed, retried with back-off against a real local receiver, logged; the outbox
is written in the ticket's own transaction (SQLite and PostgreSQL)."""

import asyncio
import socket
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import Engine

from app.db.models import DeliveryStatus, TicketStatus
from app.services.tickets import NewTicket, SlaPolicy, TicketService
from app.services.webhooks import (
    WebhookDispatcher,
    WebhookOutbox,
    deliveries,
    retry_delivery,
    sign,
    verify_signature,
)
from tests.receiver import Received, serve

SECRET = "whsec-test-0123456789abcdef"
SLA = SlaPolicy(
    {"urgent": 15, "high": 60, "normal": 240, "low": 1440},
    {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080},
)


def failing_first(times: int, status: int = 503) -> Any:
    """Refuses each delivery ``times`` times, then takes it."""
    tries: Counter[str] = Counter()

    def respond(request: Received) -> tuple[int, object]:
        delivery = request.headers["X-Kefu-Delivery"]
        tries[delivery] += 1
        return (status, {"error": "busy"}) if tries[delivery] <= times else (200, {"ok": True})

    return respond


async def deliver_until_settled(dispatcher: WebhookDispatcher, engine: Engine) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(200):
            await dispatcher.deliver_due(client)
            if not deliveries(engine, DeliveryStatus.pending):
                return
            await asyncio.sleep(0.02)


async def test_ticket_events_are_signed_and_retried_until_delivered(engine: Engine) -> None:
    with serve(failing_first(2)) as receiver:
        tickets = TicketService(engine, SLA, WebhookOutbox(urls=(receiver.url + "/hooks",)))
        ticket, _ = tickets.create(NewTicket(summary="Lamp arrived broken", customer_id="c-1"))
        assert ticket.id is not None
        tickets.update(ticket.id, status=TicketStatus.pending, assignee="li.na")
        dispatcher = WebhookDispatcher(engine, SECRET, backoff_seconds=0.05)
        await deliver_until_settled(dispatcher, engine)

    log = sorted(deliveries(engine), key=lambda d: d.id or 0)
    assert [d.event for d in log] == ["ticket.created", "ticket.updated"]
    assert all(d.status is DeliveryStatus.delivered for d in log)
    assert [d.attempts for d in log] == [3, 3]  # two 503s each, then 200
    assert log[0].last_status_code == 200 and log[0].last_error is None
    assert log[1].payload["changes"] == ["status", "assignee"]

    delivered = [r for r in receiver.requests if r.path == "/hooks"]
    assert len(delivered) == 6
    for request in delivered:
        assert verify_signature(SECRET, request.headers["X-Kefu-Signature"], request.body)
        assert not verify_signature(
            "another-secret-000000", request.headers["X-Kefu-Signature"], request.body
        )
    body: Any = delivered[-1].json()
    assert body["event"] == "ticket.updated" and body["ticket"]["id"] == ticket.id
    assert body["ticket"]["status"] == "pending" and body["ticket"]["customer_id"] == "c-1"
    assert delivered[-1].headers["X-Kefu-Event"] == "ticket.updated"


async def test_a_refusing_receiver_fails_at_once(engine: Engine) -> None:
    with serve(lambda _r: (400, {"error": "bad"})) as refusing:
        tickets = TicketService(engine, SLA, WebhookOutbox(urls=(refusing.url,)))
        tickets.create(NewTicket(summary="first"))
        await deliver_until_settled(WebhookDispatcher(engine, SECRET, backoff_seconds=0.05), engine)
    [refused] = deliveries(engine)
    assert refused.status is DeliveryStatus.failed and refused.attempts == 1
    assert refused.last_error == "HTTP 400"


async def test_a_receiver_that_stays_down_fails_after_the_last_try_and_can_be_retried(
    engine: Engine,
) -> None:
    state = {"up": False}

    def respond(_request: Received) -> tuple[int, object]:
        return (200, {}) if state["up"] else (503, {"error": "down"})

    with serve(respond) as receiver:
        tickets = TicketService(engine, SLA, WebhookOutbox(urls=(receiver.url,)))
        tickets.create(NewTicket(summary="second"))
        dispatcher = WebhookDispatcher(engine, SECRET, max_attempts=3, backoff_seconds=0.02)
        await deliver_until_settled(dispatcher, engine)
        [down] = deliveries(engine)
        assert down.status is DeliveryStatus.failed and down.attempts == 3
        assert down.last_status_code == 503

        state["up"] = True
        retried = retry_delivery(engine, down.id or 0)
        assert retried is not None and retried.status is DeliveryStatus.pending
        await deliver_until_settled(dispatcher, engine)
    [delivered] = deliveries(engine)
    assert delivered.status is DeliveryStatus.delivered and delivered.attempts == 1
    assert len(receiver.requests) == 4


async def test_an_unreachable_receiver_is_logged_with_the_error(engine: Engine) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    tickets = TicketService(engine, SLA, WebhookOutbox(urls=(f"http://127.0.0.1:{closed_port}",)))
    tickets.create(NewTicket(summary="third"))
    dispatcher = WebhookDispatcher(engine, SECRET, max_attempts=2, backoff_seconds=0.02)
    await deliver_until_settled(dispatcher, engine)
    [down] = deliveries(engine)
    assert down.status is DeliveryStatus.failed and down.attempts == 2
    assert down.last_status_code is None and "ConnectError" in (down.last_error or "")


def test_backoff_doubles_and_is_capped() -> None:
    dispatcher = WebhookDispatcher(None, SECRET, backoff_seconds=5)  # type: ignore[arg-type]
    assert [dispatcher.backoff(n) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert dispatcher.backoff(30) == 3600


def test_signatures_expire() -> None:
    header = sign(SECRET, 1_000_000, b"{}")
    assert verify_signature(SECRET, header, b"{}", now=1_000_100)
    assert not verify_signature(SECRET, header, b"{}", now=1_000_000 + 301)
    assert not verify_signature(SECRET, header, b"{ }", now=1_000_100)
    assert not verify_signature(SECRET, "garbage", b"{}")


def test_no_receivers_means_no_deliveries(engine: Engine) -> None:
    TicketService(engine, SLA).create(NewTicket(summary="quiet"))
    assert deliveries(engine) == []
