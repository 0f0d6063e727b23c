"""The chat API over ASGI with the real model, embedder, Chroma and SQLite."""

import re

import httpx
import pytest


async def test_chat_answers_from_the_knowledge_base_with_sources(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/chat", json={"message": "Which payment methods do you accept?"})
    assert response.status_code == 200
    done = response.json()
    assert set(done) >= {"session_id", "answer", "intent", "sources", "ticket_id", "handoff"}
    assert done["answer"].strip()
    assert done["handoff"] is False
    assert any(s["document"].startswith("payment") for s in done["sources"])
    source = done["sources"][0]
    assert set(source) == {
        "document_id",
        "document",
        "title",
        "heading",
        "chunk_id",
        "score",
        "url",
    }


async def test_chinese_question_gets_a_chinese_answer(api: httpx.AsyncClient) -> None:
    done = (await api.post("/v1/chat", json={"message": "密码重置链接多久有效？"})).json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in done["answer"])
    assert any(s["document"].startswith("account") for s in done["sources"])


async def test_second_turn_continues_the_session(api: httpx.AsyncClient) -> None:
    first = (
        await api.post(
            "/v1/chat", json={"message": "How long is the warranty on small appliances?"}
        )
    ).json()
    session_id = first["session_id"]
    second = (
        await api.post("/v1/chat", json={"message": "And on lamps?", "session_id": session_id})
    ).json()
    assert second["session_id"] == session_id
    assert any(
        s["document"].startswith("warranty") for s in second["sources"]
    )  # follow-up kept its topic
    transcript = (await api.get(f"/v1/sessions/{session_id}/messages")).json()["messages"]
    assert [m["role"] for m in transcript] == ["shopper", "assistant", "shopper", "assistant"]
    assert transcript[0]["content"] == "How long is the warranty on small appliances?"
    assert transcript[3]["content"] == second["answer"]


async def test_personal_data_is_pseudonymised_and_revealed_only_with_an_audit_entry(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The phone number becomes a vault token (the default policy), the ID card a mask."""
    done = (
        await api.post(
            "/v1/chat",
            json={
                "message": "My number is 13912345678, ID 110101199003074514, how do I reset "
                "my password?",
                "customer_id": "cust-vault-1",
            },
        )
    ).json()
    transcript = (await api.get(f"/v1/sessions/{done['session_id']}/messages")).json()["messages"]
    question = transcript[0]["content"]
    assert "13912345678" not in str(transcript) and "110101199003074514" not in str(transcript)
    token = re.search(r"\[PHONE:[0-9a-f]{10}\]", question)
    assert token is not None and "[ID_CARD]" in question

    assert (await api.post("/v1/vault/reveal", json={"token": token.group(0)})).status_code == 401
    no_reason = await api.post(
        "/v1/vault/reveal", json={"token": token.group(0)}, headers=admin_headers
    )
    assert no_reason.status_code == 422
    revealed = await api.post(
        "/v1/vault/reveal",
        json={"token": token.group(0), "reason": "call the shopper back"},
        headers=admin_headers,
    )
    assert revealed.json() == {"token": token.group(0), "type": "PHONE", "value": "13912345678"}
    audit = (
        await api.get(
            f"/v1/audit?action=vault.reveal&subject={token.group(0)}", headers=admin_headers
        )
    ).json()["items"]
    assert audit[0]["detail"] == {"reason": "call the shopper back", "found": True}

    exported = (await api.get("/v1/customers/cust-vault-1/export", headers=admin_headers)).json()
    assert exported["personal_data"] == [
        {"token": token.group(0), "type": "PHONE", "value": "13912345678"}
    ]
    erased = (await api.delete("/v1/customers/cust-vault-1", headers=admin_headers)).json()
    assert erased["erased"]["vault_entries"] == 1
    gone = await api.post(
        "/v1/vault/reveal",
        json={"token": token.group(0), "reason": "again"},
        headers=admin_headers,
    )
    assert gone.status_code == 404


async def test_question_outside_the_knowledge_base_is_not_guessed(api: httpx.AsyncClient) -> None:
    done = (
        await api.post("/v1/chat", json={"message": "Do you sell second-hand cars and tractors?"})
    ).json()
    assert done["handoff"] is True
    assert done["sources"] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"message": ""}, 422, "empty_message"),
        ({"message": "   \n "}, 422, "empty_message"),
        ({"message": "x" * 100_000}, 413, "message_too_long"),
        ({"message": "hi", "session_id": "../../etc/passwd"}, 422, "invalid_request"),
        ({"text": "wrong field"}, 422, "invalid_request"),
        ({"message": 42}, 422, "invalid_request"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/chat", "/v1/chat/stream"])
async def test_bad_chat_input_gets_a_clear_4xx(
    api: httpx.AsyncClient, path: str, body: dict[str, object], status: int, code: str
) -> None:
    response = await api.post(path, json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


async def test_malformed_json_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/chat", content=b'{"message": "hi"', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


async def test_errors_follow_the_callers_language(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/chat", json={"message": ""}, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert response.json()["error"]["message"] == "消息不能为空。"


async def test_unknown_session_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/sessions/doesnotexist/messages")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_not_found"


async def test_intent_classification_api(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (
        await api.post("/v1/intents/classify", json={"text": "where is my order"})
    ).status_code == 401
    response = await api.post(
        "/v1/intents/classify", json={"text": "我的快递到哪了？"}, headers=admin_headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "track_order" and 0.5 < body["confidence"] <= 1
    assert body["top"][0] == {"label": body["label"], "score": body["confidence"]}
    empty = await api.post("/v1/intents/classify", json={"text": " "}, headers=admin_headers)
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_message"


async def test_stream_intent_event_uses_the_trained_model(api: httpx.AsyncClient) -> None:
    done = (
        await api.post("/v1/chat", json={"message": "Can I pay with Alipay or WeChat Pay?"})
    ).json()
    assert done["intent"]["label"] == "check_payment_methods"
    assert done["intent"]["confidence"] > 0.5


async def test_greeting_gets_a_greeting(api: httpx.AsyncClient) -> None:
    done = (await api.post("/v1/chat", json={"message": "在吗"})).json()
    assert done["answer"].startswith("您好") and done["sources"] == []
