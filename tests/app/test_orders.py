"""Order systems: the seeded demo store, and a shop's own over real HTTP with retries."""

import socket

import pytest

from app.services.orders import DemoOrderStore, HttpOrderLookup, create_order_lookup
from graphs.chat.orders import OrderServiceUnavailable
from tests.receiver import Received, serve

ORDER = {
    "order_id": "AB12345678",
    "status": "shipped",
    "placed_on": "2026-11-01",
    "carrier": "SF Express",
    "tracking_number": "SF1",
    "shipped_on": "2026-11-02",
    "customer_name": "not needed, dropped",
}


def test_the_demo_store_knows_its_orders_and_their_owners() -> None:
    store = DemoOrderStore()
    order = store.get_order("lm20261002")
    assert order is not None and order.status == "shipped" and order.carrier == "SF Express"
    assert store.get_order("LM20261002", customer_id="demo-001") is not None
    assert store.get_order("LM20261002", customer_id="demo-002") is None
    assert store.get_order("LM00000000") is None


def test_an_order_over_http_with_the_token_and_customer() -> None:
    def respond(request: Received) -> tuple[int, object]:
        return (200, ORDER) if request.path.startswith("/api/orders/AB12345678") else (404, {})

    with serve(respond) as shop:
        lookup = HttpOrderLookup(shop.url + "/api", token="tok-1", retries=0)
        order = lookup.get_order("ab-12345678", customer_id="c 1")
        assert order is not None and order.tracking_number == "SF1"
        assert "customer_name" not in order.model_dump()
        assert lookup.get_order("AB00000000") is None
    first = shop.requests[0]
    assert first.path == "/api/orders/AB12345678?customer_id=c+1"
    assert first.headers["Authorization"] == "Bearer tok-1"


def test_a_failing_order_system_is_retried_then_reported() -> None:
    calls = {"n": 0}

    def flaky(_request: Received) -> tuple[int, object]:
        calls["n"] += 1
        return (503, {}) if calls["n"] == 1 else (200, ORDER)

    with serve(flaky) as shop:
        lookup = HttpOrderLookup(shop.url, retries=2, backoff_seconds=0.01)
        assert lookup.get_order("AB12345678") is not None
        assert calls["n"] == 2

    with serve(lambda _r: (500, {})) as broken:
        lookup = HttpOrderLookup(broken.url, retries=2, backoff_seconds=0.01)
        with pytest.raises(OrderServiceUnavailable, match="HTTP 500"):
            lookup.get_order("AB12345678")
        assert len(broken.requests) == 3

    with serve(lambda _r: (401, {})) as refusing:  # a bad token: not worth retrying
        with pytest.raises(OrderServiceUnavailable, match="HTTP 401"):
            HttpOrderLookup(refusing.url, retries=2).get_order("AB12345678")
        assert len(refusing.requests) == 1

    lost = {"order_id": "AB12345678", "status": "lost"}
    with (
        serve(lambda _r: (200, lost)) as nonsense,
        pytest.raises(OrderServiceUnavailable, match="invalid order"),
    ):
        HttpOrderLookup(nonsense.url).get_order("AB12345678")


def test_an_unreachable_order_system_is_reported_quickly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lookup = HttpOrderLookup(f"http://127.0.0.1:{port}", retries=1, backoff_seconds=0.01)
    with pytest.raises(OrderServiceUnavailable, match="ConnectError"):
        lookup.get_order("AB12345678")


def test_the_order_system_is_configuration() -> None:
    assert isinstance(
        create_order_lookup("demo", token="", timeout_seconds=1, retries=0), DemoOrderStore
    )
    assert create_order_lookup("none", token="", timeout_seconds=1, retries=0) is None
    with pytest.raises(ValueError, match="KEFU_ORDERS"):
        create_order_lookup("ftp://x", token="", timeout_seconds=1, retries=0)
