"""Uploading PDF, Word and FAQ files over the API: versions, limits and damaged files."""

from typing import Any

import httpx

from tests.ingest.samples import locked_pdf, returns_pdf, scanned_pdf, shipping_docx

PDF = "application/pdf"


async def _documents(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    items = (await api.get("/v1/documents", headers=headers)).json()["items"]
    return {d["filename"]: d for d in items}


async def test_a_pdf_gets_versions_and_a_failed_edit_keeps_the_last_one(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    upload = {"file": ("handbook.pdf", returns_pdf(), PDF)}
    created = await api.post("/v1/documents", files=upload, headers=admin_headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["title"], body["chunks"], body["status"], body["version"]) == (
        "Returns handbook",
        2,
        "created",
        1,
    )
    again = await api.post("/v1/documents", files=upload, headers=admin_headers)
    assert again.json() == {**body, "status": "unchanged"}

    edited = {"file": ("handbook.pdf", returns_pdf(refund_days="seven"), PDF)}
    updated = (await api.post("/v1/documents", files=edited, headers=admin_headers)).json()
    assert (updated["id"], updated["status"], updated["version"]) == (body["id"], "updated", 2)
    assert (await _documents(api, admin_headers))["handbook.pdf"]["version"] == 2

    broken = {"file": ("handbook.pdf", returns_pdf()[:2000], PDF)}
    refused = await api.post("/v1/documents", files=broken, headers=admin_headers)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "unreadable_document" and "handbook.pdf" in error["message"]
    listed = (await _documents(api, admin_headers))["handbook.pdf"]
    assert (listed["version"], listed["chunks"]) == (2, 2)
    container = api._transport.app.state.container  # type: ignore[attr-defined]
    assert len(container.store.chunk_ids(body["id"])) == 2

    assert (
        await api.delete(f"/v1/documents/{body['id']}", headers=admin_headers)
    ).status_code == 204


async def test_word_and_faq_uploads(api: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    word = await api.post(
        "/v1/documents",
        files={"file": ("shipping-guide.docx", shipping_docx())},
        headers=admin_headers,
    )
    assert word.status_code == 201 and word.json()["title"] == "Shipping guide"
    faq = "问题,答案\n发票怎么开？,下单时填写抬头和税号即可。\n多久发货？,付款后48小时内发货。\n"
    pairs = await api.post(
        "/v1/documents", files={"file": ("faq.zh.csv", faq.encode())}, headers=admin_headers
    )
    assert pairs.status_code == 201 and pairs.json()["chunks"] == 2
    for created in (word.json(), pairs.json()):
        await api.delete(f"/v1/documents/{created['id']}", headers=admin_headers)


async def test_bad_files_get_clear_errors_and_change_nothing(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    before = await _documents(api, admin_headers)
    too_many = "question,answer\n" + "".join(f"Q{i}?,A{i}.\n" for i in range(2001))
    cases = [
        ("scan.pdf", scanned_pdf(), 422, "no_text_layer", "no text layer"),
        ("locked.pdf", locked_pdf(), 422, "encrypted_document", "password"),
        ("damaged.docx", b"PK\x03\x04 not really", 422, "unreadable_document", "damaged.docx"),
        ("prices.csv", b"sku,price\nA1,10\n", 422, "unreadable_document", "question,answer"),
        ("faq-big.csv", too_many.encode(), 413, "document_too_large", "limit is 2000 chunks"),
    ]
    for filename, content, status, code, says in cases:
        response = await api.post(
            "/v1/documents", files={"file": (filename, content)}, headers=admin_headers
        )
        assert response.status_code == status, (filename, response.text)
        error = response.json()["error"]
        assert error["code"] == code and says in error["message"], error
    assert await _documents(api, admin_headers) == before
