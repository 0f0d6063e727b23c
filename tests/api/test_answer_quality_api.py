"""Grounded answers through the real stack: the fact, its citation, the shopper's language."""

import re

import httpx

from graphs.chat.grounding import numbers


async def test_an_answer_states_the_fact_and_cites_its_document(api: httpx.AsyncClient) -> None:
    done = (
        await api.post("/v1/chat", json={"message": "How many days do I have to return an item?"})
    ).json()
    assert done["handoff"] is False
    assert "30 days" in done["answer"] and "[1]" in done["answer"]
    assert done["sources"][0]["document"].startswith("returns")


async def test_every_number_of_an_answer_is_in_its_sources(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    done = (await api.post("/v1/chat", json={"message": "订单满多少钱包邮？"})).json()
    assert re.search(r"[\u4e00-\u9fff]", done["answer"])
    assert "199" in done["answer"]
    cited = ""
    for source in done["sources"]:
        found = await api.post(
            "/v1/search",
            json={"query": "满多少钱包邮", "k": 20, "document": source["document"]},
            headers=admin_headers,
        )
        cited += " ".join(item["text"] for item in found.json()["items"])
    assert numbers(done["answer"]) <= numbers(cited)


async def test_a_chinese_question_is_answered_in_chinese_from_an_english_document(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    document = (
        b"# Zephyr Kettle\n\n## Capacity\n\n"
        b"The Zephyr kettle holds 1.7 litres and boils in about 4 minutes.\n"
    )
    upload = await api.post(
        "/v1/documents", files={"file": ("zephyr.en.md", document)}, headers=admin_headers
    )
    assert upload.status_code == 201
    done = (await api.post("/v1/chat", json={"message": "Zephyr 电水壶能装多少升水？"})).json()
    assert done["sources"][0]["document"] == "zephyr.en.md"
    assert "1.7" in done["answer"]
    assert re.search(r"[\u4e00-\u9fff]{4}", done["answer"])  # written in Chinese
    await api.delete(f"/v1/documents/{upload.json()['id']}", headers=admin_headers)


async def test_search_shows_staff_what_a_question_finds(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (await api.post("/v1/search", json={"query": "fapiao"})).status_code == 401
    found = await api.post(
        "/v1/search",
        json={"query": "能开专票吗", "k": 3, "lang": "en"},
        headers=admin_headers,
    )
    assert found.status_code == 200
    items = found.json()["items"]
    assert items and all(item["lang"] == "en" for item in items)
    assert items[0]["document"] == "invoices.en.md"
    bad = await api.post("/v1/search", json={"query": "", "k": 99}, headers=admin_headers)
    assert bad.status_code == 422
