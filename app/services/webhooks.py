"""Webhooks for a shop's CRM: a transactional outbox and a dispatcher with retries.

Ticket changes add one delivery row per receiver in the same database transaction as the
change itself, so an event is never lost nor sent for a change that was rolled back. The
dispatcher posts due rows, signed with HMAC-SHA256, and retries failures with exponential
back-off; every row doubles as the delivery log.

Signature header: ``X-Kefu-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256(secret, ``"<t>." + raw body``). ``verify_signature`` shows how a receiver checks it.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from app.db.models import DeliveryStatus, Ticket, WebhookDelivery, utcnow

logger = logging.getLogger("kefu.webhooks")

SIGNATURE_HEADER = "X-Kefu-Signature"
MAX_BACKOFF_SECONDS = 3600.0
CLAIM_SECONDS = 60.0
RETRYABLE_STATUS = frozenset({408, 425, 429})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, *, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is recent enough."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "category": ticket.category,
        "summary": ticket.summary,
        "assignee": ticket.assignee,
        "session_id": ticket.session_id,
        "customer_id": ticket.customer_id,
        "order_id": ticket.order_id,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
    }


@dataclass(frozen=True)
class WebhookOutbox:
    """Adds deliveries to the caller's database session, inside the caller's transaction."""

    urls: Sequence[str]

    def add(self, session: Session, event: str, ticket: Ticket, changes: Sequence[str]) -> None:
        if not self.urls:
            return
        session.flush()  # the ticket's id, for a new ticket
        now = utcnow()
        body: dict[str, object] = {
            "event": event,
            "occurred_at": now.isoformat(),
            "changes": list(changes),
            "ticket": ticket_payload(ticket),
        }
        for url in self.urls:
            session.add(WebhookDelivery(event=event, url=url, payload=body, next_attempt_at=now))


class WebhookDispatcher:
    """Posts due deliveries. Several workers may run one each: a row is claimed before sending."""

    def __init__(
        self,
        engine: Engine,
        secret: str,
        *,
        max_attempts: int = 8,
        backoff_seconds: float = 5.0,
        timeout_seconds: float = 10.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._secret = secret
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._timeout = timeout_seconds
        self._poll = poll_seconds

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones: 5, 10, 20, ... (capped)."""
        return float(min(self._backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))

    async def run(self) -> None:
        """Deliver until cancelled."""
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            while True:
                try:
                    sent = await self.deliver_due(client)
                except Exception:  # a database hiccup must not end the loop
                    logger.exception("webhook dispatch failed")
                    sent = 0
                if not sent:
                    await asyncio.sleep(self._poll)

    async def deliver_due(self, client: httpx.AsyncClient, limit: int = 20) -> int:
        """Try every due delivery once; the number tried."""
        tried = 0
        for delivery_id in await asyncio.to_thread(self._claim_due, limit):
            await self._deliver(client, delivery_id)
            tried += 1
        return tried

    def _claim_due(self, limit: int) -> list[int]:
        now = utcnow()
        unclaimed = or_(
            col(WebhookDelivery.locked_until).is_(None), col(WebhookDelivery.locked_until) < now
        )
        with Session(self._engine) as session:
            due = session.exec(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.status == DeliveryStatus.pending)
                .where(WebhookDelivery.next_attempt_at <= now)
                .where(unclaimed)
                .order_by(col(WebhookDelivery.id))
                .limit(limit)
            ).all()
            claimed = []
            for delivery_id in due:  # another worker may have claimed it since: check again
                result = session.execute(
                    update(WebhookDelivery)
                    .where(col(WebhookDelivery.id) == delivery_id)
                    .where(unclaimed)
                    .values(locked_until=now + timedelta(seconds=CLAIM_SECONDS))
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(int(delivery_id))  # type: ignore[arg-type]
            session.commit()
            return claimed

    async def _deliver(self, client: httpx.AsyncClient, delivery_id: int) -> None:
        delivery = await asyncio.to_thread(self._load, delivery_id)
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Kefu-Webhooks/1",
            "X-Kefu-Event": delivery.event,
            "X-Kefu-Delivery": str(delivery.id),
            SIGNATURE_HEADER: sign(self._secret, int(time.time()), body),
        }
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(delivery.url, content=body, headers=headers)
            status_code = response.status_code
            if not response.is_success:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await asyncio.to_thread(self._record, delivery_id, status_code, error)

    def _load(self, delivery_id: int) -> WebhookDelivery:
        with Session(self._engine) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            return delivery

    def _record(self, delivery_id: int, status_code: int | None, error: str | None) -> None:
        with Session(self._engine) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            now = utcnow()
            delivery.attempts += 1
            delivery.last_status_code = status_code
            delivery.last_error = error
            delivery.locked_until = None
            if error is None:
                delivery.status = DeliveryStatus.delivered
                delivery.delivered_at = now
            elif self._permanent(status_code) or delivery.attempts >= self._max_attempts:
                delivery.status = DeliveryStatus.failed
                logger.warning("webhook %s to %s failed: %s", delivery.id, delivery.url, error)
            else:
                delivery.next_attempt_at = now + timedelta(seconds=self.backoff(delivery.attempts))
            session.add(delivery)
            session.commit()

    @staticmethod
    def _permanent(status_code: int | None) -> bool:
        """A receiver's 4xx means it will never take this body (except 408, 425 and 429)."""
        return (
            status_code is not None
            and 400 <= status_code < 500
            and status_code not in RETRYABLE_STATUS
        )


def deliveries(
    engine: Engine, status: DeliveryStatus | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    """The delivery log, newest first."""
    query = select(WebhookDelivery)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    with Session(engine) as session:
        return list(session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit)).all())


class AlreadyDelivered(ValueError):
    pass


def retry_delivery(engine: Engine, delivery_id: int) -> WebhookDelivery | None:
    """Send a failed (or pending) delivery again now, with a fresh attempt budget; None when
    there is no such delivery."""
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return None
        if delivery.status is DeliveryStatus.delivered:
            raise AlreadyDelivered(delivery_id)
        delivery.status = DeliveryStatus.pending
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        delivery.locked_until = None
        session.add(delivery)
        session.commit()
        session.refresh(delivery)
        return delivery
