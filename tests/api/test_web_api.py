"""What the widget and the console read besides the contract's endpoints: who a key is, a
session's tickets and message ids, the page of a cited passage and CORS for shop sites."""

import httpx
from fastapi import FastAPI

from app.db.models import Role
from app.services.keys import create_api_key
from tests.api.streams import bearer, sse


async def test_me_names_the_keys_role(api: httpx.AsyncClient, api_app: FastAPI) -> None:
    engine = api_app.state.container.engine
    for role in Role:
        key = create_api_key(engine, role, name=f"{role.value} on duty")
        body = (await api.get("/v1/me", headers=bearer(key))).json()
        assert body["role"] == role.value and body["name"] == f"{role.value} on duty"
        assert key.startswith(body["prefix"])
    assert (await api.get("/v1/me")).status_code == 401
    assert (await api.get("/v1/me", headers=bearer("kefu_nope"))).status_code == 401


async def test_a_cited_passage_has_a_page_of_its_own(api: httpx.AsyncClient) -> None:
    turn = await api.post(
        "/v1/chat", json={"message": "How many days do I have to return an item?"}
    )
    source = turn.json()["sources"][0]
    assert source["url"].startswith("/sources/")
    page = await api.get(source["url"], params={"lang": "zh"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text and "摘自帮助中心文档" in page.text
    assert source["document"] in page.text and "30" in page.text
    english = await api.get(source["url"], headers={"Accept-Language": "en-GB,en"})
    assert "From the help-centre document" in english.text

    assert "default-src 'none'" in page.headers["content-security-policy"]
    gone = await api.get("/sources/gone%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert gone.status_code == 404 and "<img" not in gone.text
    assert "no longer in the help centre" in gone.text


async def test_the_session_view_carries_ticket_status_and_message_ids(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    events = sse((await api.post("/v1/chat/stream", json={"message": "转人工"})).text)
    done = events[-1][1]
    session_id, ticket_id = done["session_id"], done["ticket_id"]
    assert ticket_id is not None
    reply = await api.post(
        f"/v1/tickets/{ticket_id}/replies",
        json={"body": "您好，我是客服小王。", "public": True},
        headers=admin_headers,
    )
    assert reply.status_code == 201
    await api.patch(f"/v1/tickets/{ticket_id}", json={"status": "pending"}, headers=admin_headers)

    view = (await api.get(f"/v1/sessions/{session_id}/messages")).json()
    assert view["tickets"] == [
        {"id": ticket_id, "status": "pending", "updated_at": view["tickets"][0]["updated_at"]}
    ]
    ids = [m["id"] for m in view["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    agent = [m for m in view["messages"] if m["role"] == "agent"]
    assert [m["content"] for m in agent] == ["您好，我是客服小王。"]
    # The stream shows the same reply once, under the same id: the widget shows it once.
    events = sse(
        (await api.post("/v1/chat/stream", json={"message": "好的", "session_id": session_id})).text
    )
    shown = [data for name, data in events if name == "agent_message"]
    assert [m["id"] for m in shown] == [agent[0]["id"]]


async def test_shop_sites_may_call_the_api_from_the_browser(api: httpx.AsyncClient) -> None:
    preflight = await api.options(
        "/v1/chat/stream",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,accept-language",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    assert "POST" in preflight.headers["access-control-allow-methods"]
    # The answer itself, and an error, carry the header too: the browser reads them.
    for body in ({"message": "Hello"}, {"message": ""}):
        response = await api.post("/v1/chat", json=body, headers={"Origin": "https://shop.example"})
        assert response.headers["access-control-allow-origin"] in ("*", "https://shop.example")


HOSTILE = """# Returns <script>alert('title')</script>

Parcels of hostile-test goods go back within 9 days <img src=x onerror=alert(1)>.
See [the form](javascript:alert(2)), [our page](https://shop.example/returns) and
[elsewhere](//evil.example/x).
"""


async def test_a_passage_page_shows_a_documents_markup_as_text(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    upload = await api.post(
        "/v1/documents",
        files={"file": ("hostile-test.md", HOSTILE.encode(), "text/markdown")},
        headers=admin_headers,
    )
    assert upload.status_code == 201
    found = await api.post(
        "/v1/search",
        json={"query": "hostile-test goods go back within 9 days", "k": 3},
        headers=admin_headers,
    )
    chunk = next(p for p in found.json()["items"] if p["document"] == "hostile-test.md")
    page = await api.get(f"/sources/{chunk['chunk_id']}")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;" in page.text or "&lt;img" in page.text
    assert 'href="https://shop.example/returns"' in page.text
    assert 'href="javascript:' not in page.text and 'href="//evil.example' not in page.text
    await api.delete(f"/v1/documents/{upload.json()['id']}", headers=admin_headers)


async def test_polls_ask_only_for_newer_messages(api: httpx.AsyncClient) -> None:
    first = await api.post("/v1/chat", json={"message": "Which payment methods do you accept?"})
    session_id = first.json()["session_id"]
    whole = (await api.get(f"/v1/sessions/{session_id}/messages")).json()["messages"]
    assert [m["role"] for m in whole] == ["shopper", "assistant"]
    later = await api.get(f"/v1/sessions/{session_id}/messages", params={"after": whole[0]["id"]})
    assert [m["id"] for m in later.json()["messages"]] == [whole[1]["id"]]
    bad = await api.get(f"/v1/sessions/{session_id}/messages", params={"after": -1})
    assert bad.status_code == 422


async def test_an_unchanged_widget_is_not_sent_again(api: httpx.AsyncClient) -> None:
    first = await api.get("/widget.js")
    assert first.headers["cache-control"] == "no-cache"
    again = await api.get("/widget.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = await api.get("/widget.js", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content
