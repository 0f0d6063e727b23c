"""Order systems behind the chat's OrderLookup: the seeded demo store, or a shop's own over HTTP.

The HTTP adapter calls ``GET {base_url}/orders/{order_id}`` (with ``?customer_id=`` when the
chat knows the customer, and ``Authorization: Bearer`` when a token is set). 200 with an
order's JSON is an order, 404 is none; anything else is retried with back-off and then
reported as ``OrderServiceUnavailable``, which the chat turns into an honest "try again or
talk to a person".
"""

import json
import logging
import time
from pathlib import Path

import httpx
from pydantic import ValidationError

from graphs.chat.orders import OrderInfo, OrderLookup, OrderServiceUnavailable, normalise_order_id

logger = logging.getLogger("kefu.orders")

DEMO_ORDERS = Path(__file__).resolve().parent / "demo_orders.json"


class DemoOrderStore:
    """A few seeded orders of the demo shop, so the order flow works out of the box."""

    def __init__(self, path: Path = DEMO_ORDERS) -> None:
        rows = json.loads(path.read_text(encoding="utf-8"))
        self._orders = {normalise_order_id(row["order_id"]): row for row in rows}

    def get_order(self, order_id: str, customer_id: str | None = None) -> OrderInfo | None:
        row = self._orders.get(normalise_order_id(order_id))
        if row is None:
            return None
        owner = row.get("customer_id")
        if customer_id and owner and owner != customer_id:
            return None  # another customer's order is "not found", never shown
        return OrderInfo.model_validate(row)


class HttpOrderLookup:
    """A shop's order system or CRM over HTTP."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        timeout_seconds: float = 3.0,
        retries: int = 2,
        backoff_seconds: float = 0.3,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._base_url = base_url.rstrip("/")
        self._retries = retries
        self._backoff = backoff_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds), headers=headers, transport=transport
        )

    def get_order(self, order_id: str, customer_id: str | None = None) -> OrderInfo | None:
        url = f"{self._base_url}/orders/{normalise_order_id(order_id)}"
        params = {"customer_id": customer_id} if customer_id else None
        problem = ""
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = self._client.get(url, params=params)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 404:
                return None
            if response.status_code == 200:
                try:
                    return OrderInfo.model_validate(response.json())
                except (ValueError, ValidationError) as exc:  # a broken answer is not retried
                    raise OrderServiceUnavailable(
                        f"order system at {self._base_url} sent an invalid order: {exc}"
                    ) from exc
            problem = f"HTTP {response.status_code}"
            if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                break  # our request is wrong (bad token, ...): retrying will not help
        logger.warning("order system at %s failed: %s", self._base_url, problem)
        raise OrderServiceUnavailable(f"order system at {self._base_url} failed: {problem}")


def create_order_lookup(
    spec: str, *, token: str, timeout_seconds: float, retries: int
) -> OrderLookup | None:
    """``demo`` (the seeded store), ``none`` (no order look-ups), or the shop's http(s) URL."""
    if spec == "demo":
        return DemoOrderStore()
    if spec == "none":
        return None
    if spec.startswith(("http://", "https://")):
        return HttpOrderLookup(spec, token=token, timeout_seconds=timeout_seconds, retries=retries)
    raise ValueError(f"Unknown KEFU_ORDERS {spec!r}: use demo, none or http(s)://host/path")
