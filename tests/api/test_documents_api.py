"""The documents API: upload, re-upload, list, delete, roles and bad files."""

import httpx
import pytest

from app.db.models import Role
from app.services.keys import create_api_key


async def test_upload_list_reupload_and_delete(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    content = (
        "# Gift wrapping\n\nGift wrapping costs ¥8 per parcel and includes a handwritten card.\n"
    )
    files = {"file": ("gift-wrap.md", content.encode(), "text/markdown")}
    created = await api.post("/v1/documents", files=files, headers=admin_headers)
    assert created.status_code == 201
    body = created.json()
    assert (
        body["filename"] == "gift-wrap.md" and body["chunks"] == 1 and body["status"] == "created"
    )

    again = await api.post("/v1/documents", files=files, headers=admin_headers)
    assert again.status_code == 201
    assert again.json() == {**body, "status": "unchanged"}

    listed = (await api.get("/v1/documents", headers=admin_headers)).json()["items"]
    assert body["id"] in {d["id"] for d in listed}

    answer = (
        await api.post("/v1/chat", json={"message": "How much does gift wrapping cost?"})
    ).json()
    assert body["id"] in {s["document_id"] for s in answer["sources"]}

    deleted = await api.delete(f"/v1/documents/{body['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    listed = (await api.get("/v1/documents", headers=admin_headers)).json()["items"]
    assert body["id"] not in {d["id"] for d in listed}
    answer = (
        await api.post("/v1/chat", json={"message": "How much does gift wrapping cost?"})
    ).json()
    assert body["id"] not in {s["document_id"] for s in answer["sources"]}
    assert (
        await api.delete(f"/v1/documents/{body['id']}", headers=admin_headers)
    ).status_code == 404


@pytest.mark.parametrize(
    ("filename", "content", "status", "code"),
    [
        ("gbk.txt", "退货政策：三十天内可退。".encode("gbk"), 422, "unreadable_document"),
        ("virus.exe", b"MZ\x90\x00", 415, "unsupported_file_type"),
        ("empty.md", b"", 422, "empty_document"),
        ("huge.txt", b"a" * (10 * 1024 * 1024 + 1), 413, "document_too_large"),
    ],
)
async def test_bad_uploads_get_a_clear_4xx_and_change_nothing(
    api: httpx.AsyncClient,
    admin_headers: dict[str, str],
    filename: str,
    content: bytes,
    status: int,
    code: str,
) -> None:
    before = (await api.get("/v1/documents", headers=admin_headers)).json()["items"]
    response = await api.post(
        "/v1/documents", files={"file": (filename, content)}, headers=admin_headers
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert (await api.get("/v1/documents", headers=admin_headers)).json()["items"] == before


async def test_upload_without_a_file_field(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await api.post("/v1/documents", data={"x": "y"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "missing_file"


async def test_roles_guard_the_knowledge_base(api: httpx.AsyncClient) -> None:
    container = api._transport.app.state.container  # type: ignore[attr-defined]
    agent = create_api_key(container.engine, Role.agent, "agent")
    staff = create_api_key(container.engine, Role.staff, "staff")
    assert (await api.get("/v1/documents")).status_code == 401
    assert (
        await api.get("/v1/documents", headers={"Authorization": "Bearer nope"})
    ).status_code == 401
    forbidden = await api.get("/v1/documents", headers={"Authorization": f"Bearer {agent}"})
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert (
        await api.get("/v1/documents", headers={"Authorization": f"Bearer {staff}"})
    ).status_code == 200


async def test_personal_data_in_an_upload_is_flagged(
    api: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    content = (
        "# 售后联系人\n\n如需上门维修，请联系售后主管张建国，手机13812345678，"
        "邮箱 jianguo.zhang@example.com。全国客服热线 400-820-1234。\n"
    )
    files = {"file": ("after-sales.zh.md", content.encode(), "text/markdown")}
    created = (await api.post("/v1/documents", files=files, headers=admin_headers)).json()
    assert created["personal_data"] == {"EMAIL": 1, "PERSON": 1, "PHONE": 1}  # not the hotline
    listed = (await api.get("/v1/documents", headers=admin_headers)).json()["items"]
    assert {d["filename"]: d["personal_data"] for d in listed}["after-sales.zh.md"] == {
        "EMAIL": 1,
        "PERSON": 1,
        "PHONE": 1,
    }
    deleted = await api.delete(f"/v1/documents/{created['id']}", headers=admin_headers)
    assert deleted.status_code == 204
