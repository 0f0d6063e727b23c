"""Hand-over through the real stack: the bundled LLM writes the ticket under constrained
decoding, orders are looked up, agent replies reach the next stream, keys are checked."""

import json

import httpx
from fastapi import FastAPI

from app.db.models import Role
from app.services.keys import create_api_key
from graphs.chat.messages import ASK_ORDER_ID
from tests.api.streams import bearer, sse


async def test_keys_are_checked_by_role(api: httpx.AsyncClient, api_app: FastAPI) -> None:
    engine = api_app.state.container.engine
    agent, staff, admin = (
        create_api_key(engine, role) for role in (Role.agent, Role.staff, Role.admin)
    )
    assert (await api.get("/v1/tickets")).status_code == 401
    assert (await api.get("/v1/tickets", headers=bearer("kefu_not-a-key"))).status_code == 401
    assert (await api.get("/v1/tickets", headers=bearer(agent))).status_code == 200
    created = await api.post("/v1/tickets", json={"summary": "from staff"}, headers=bearer(staff))
    assert created.status_code == 201
    for key, expected in ((agent, 403), (staff, 403), (admin, 200)):
        response = await api.get("/v1/webhooks/deliveries", headers=bearer(key))
        assert response.status_code == expected
    forbidden = await api.get(
        "/v1/webhooks/deliveries", headers={**bearer(agent), "Accept-Language": "zh-CN"}
    )
    assert forbidden.json()["error"]["code"] == "forbidden"
    missing = await api.post("/v1/webhooks/deliveries/999999/retry", headers=bearer(admin))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "delivery_not_found"


async def test_the_model_writes_a_valid_ticket_for_a_payment_problem(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await api.post(
        "/v1/chat/stream",
        json={
            "message": "I was charged twice for order LM20261002, my card is 4111 1111 1111 1111",
            "customer_id": "demo-001",
        },
    )
    events = sse(response.text)
    names = [name for name, _ in events]
    assert "ticket" in names and names[-1] == "done"
    done = events[-1][1]
    assert done["handoff"] is True and done["tools"] == ["create_ticket"]
    assert f"#{done['ticket_id']}" in done["answer"]
    ticket = (await api.get(f"/v1/tickets/{done['ticket_id']}", headers=admin_headers)).json()
    assert ticket["order_id"] == "LM20261002" and ticket["customer_id"] == "demo-001"
    assert ticket["priority"] in ("high", "urgent")
    assert ticket["category"] in {"PAYMENT", "REFUND", "ORDER", "FEEDBACK", "OTHER"}
    assert 8 <= len(ticket["summary"]) <= 160 and "4111" not in ticket["summary"]
    assert "4111" not in json.dumps(ticket["transcript"])


async def test_where_is_my_order_over_http(api: httpx.AsyncClient) -> None:
    asked = (await api.post("/v1/chat", json={"message": "Where is my order?"})).json()
    assert asked["answer"] == ASK_ORDER_ID["en"] and asked["handoff"] is False
    told = (
        await api.post(
            "/v1/chat", json={"message": "LM20261002", "session_id": asked["session_id"]}
        )
    ).json()
    assert told["tools"] == ["get_order_status"]
    assert "SF Express" in told["answer"] and "SF1402261002" in told["answer"]
    zh = (await api.post("/v1/chat", json={"message": "我的订单LM20261001到哪了？"})).json()
    assert zh["answer"].startswith("订单 LM20261001") and "备货" in zh["answer"]


async def test_a_public_agent_reply_arrives_on_the_next_stream(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    first = (await api.post("/v1/chat", json={"message": "你好"})).json()
    session_id = first["session_id"]
    ticket = (
        await api.post(
            "/v1/tickets",
            json={"summary": "回访", "session_id": session_id},
            headers=admin_headers,
        )
    ).json()
    await api.post(
        f"/v1/tickets/{ticket['id']}/replies",
        json={"body": "内部备注：已核实", "public": False},
        headers=admin_headers,
    )
    await api.post(
        f"/v1/tickets/{ticket['id']}/replies",
        json={"body": "您好，新台灯已经寄出。", "public": True},
        headers=admin_headers,
    )
    stream = sse(
        (await api.post("/v1/chat/stream", json={"message": "谢谢", "session_id": session_id})).text
    )
    assert [name for name, _ in stream][:2] == ["session", "agent_message"]
    assert [data["text"] for name, data in stream if name == "agent_message"] == [
        "您好，新台灯已经寄出。"
    ]
    again = sse(
        (await api.post("/v1/chat/stream", json={"message": "再见", "session_id": session_id})).text
    )
    assert "agent_message" not in [name for name, _ in again]


async def test_accepting_the_offer_of_a_person_opens_a_ticket(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """No passage for the question: the bot says so and offers a person; "好的" accepts, and
    the bundled model writes the hand-over's reason."""
    offered = (
        await api.post("/v1/chat", json={"message": "云朵加湿器的水箱容量是多少毫升？"})
    ).json()
    assert offered["handoff"] is True and offered["ticket_id"] is None
    accepted = (
        await api.post("/v1/chat", json={"message": "好的", "session_id": offered["session_id"]})
    ).json()
    assert accepted["tools"] == ["request_human"] and accepted["ticket_id"] is not None
    ticket = (await api.get(f"/v1/tickets/{accepted['ticket_id']}", headers=admin_headers)).json()
    assert ticket["status"] == "open" and 8 <= len(ticket["summary"]) <= 160
    assert [m["role"] for m in ticket["transcript"]][:2] == ["shopper", "assistant"]
