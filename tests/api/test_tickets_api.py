"""The ticket API: lifecycle, 409 on invalid transitions, roles, and replies to the shopper."""

import json

import httpx


async def test_ticket_lifecycle_over_http(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    chat = (await api.post("/v1/chat", json={"message": "我要投诉，台灯坏了"})).json()
    session_id = chat["session_id"]
    created = await api.post(
        "/v1/tickets",
        json={
            "summary": "台灯到货损坏",
            "category": "FEEDBACK",
            "priority": "high",
            "session_id": session_id,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["status"] == "open" and ticket["priority"] == "high"
    assert ticket["sla"]["first_response_breached"] is False

    patched = await api.patch(
        f"/v1/tickets/{ticket['id']}",
        json={"assignee": "li.na", "status": "pending"},
        headers=admin_headers,
    )
    assert patched.status_code == 200 and patched.json()["assignee"] == "li.na"

    reply = await api.post(
        f"/v1/tickets/{ticket['id']}/replies",
        json={"body": "您好，我们将为您补发一台新台灯。", "public": True},
        headers=admin_headers,
    )
    assert reply.status_code == 201
    shopper_view = (await api.get(f"/v1/sessions/{session_id}/messages")).json()["messages"]
    assert shopper_view[-1] == {
        **shopper_view[-1],
        "role": "agent",
        "content": "您好，我们将为您补发一台新台灯。",
    }

    detail = (await api.get(f"/v1/tickets/{ticket['id']}", headers=admin_headers)).json()
    assert [m["role"] for m in detail["transcript"]] == ["shopper", "assistant", "agent"]
    assert detail["replies"][0]["public"] is True

    listed = (
        await api.get("/v1/tickets?status=pending&assignee=li.na", headers=admin_headers)
    ).json()
    assert ticket["id"] in [t["id"] for t in listed["items"]]

    for step in ("resolved", "closed", "open"):
        moved = await api.patch(
            f"/v1/tickets/{ticket['id']}", json={"status": step}, headers=admin_headers
        )
        assert moved.status_code == 200 and moved.json()["status"] == step


async def test_invalid_input_and_transitions(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    ticket = (await api.post("/v1/tickets", json={"summary": "x"}, headers=admin_headers)).json()
    await api.patch(f"/v1/tickets/{ticket['id']}", json={"status": "closed"}, headers=admin_headers)
    conflict = await api.patch(
        f"/v1/tickets/{ticket['id']}", json={"status": "pending"}, headers=admin_headers
    )
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "invalid_transition"

    bad_status = await api.patch(
        f"/v1/tickets/{ticket['id']}", json={"status": "done"}, headers=admin_headers
    )
    assert bad_status.status_code == 422
    assert (await api.get("/v1/tickets/999999", headers=admin_headers)).status_code == 404
    assert (
        await api.post("/v1/tickets", json={"summary": ""}, headers=admin_headers)
    ).status_code == 422
    unknown_session = await api.post(
        "/v1/tickets", json={"summary": "x", "session_id": "nosuchsession"}, headers=admin_headers
    )
    assert unknown_session.status_code == 422
    assert (await api.get("/v1/tickets")).status_code == 401


async def test_asking_for_a_person_in_chat_opens_a_ticket(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Through the real intent model, graph, ticket service and SQLite."""
    response = await api.post(
        "/v1/chat/stream", json={"message": "I want to talk to a real person now"}
    )
    events = [
        line.split(":", 1)[1].strip()
        for line in response.text.splitlines()
        if line.startswith("event:")
    ]
    assert events[:2] == ["session", "intent"] and "ticket" in events and events[-1] == "done"
    done = json.loads(
        [line for line in response.text.splitlines() if line.startswith("data:")][-1][5:]
    )
    assert done["handoff"] is True and done["ticket_id"] is not None
    ticket = (await api.get(f"/v1/tickets/{done['ticket_id']}", headers=admin_headers)).json()
    assert ticket["session_id"] == done["session_id"] and ticket["category"] == "CONTACT"
    assert ticket["transcript"][0]["content"] == "I want to talk to a real person now"

    ordinary = (
        await api.post("/v1/chat", json={"message": "Which payment methods do you accept?"})
    ).json()
    assert ordinary["ticket_id"] is None
