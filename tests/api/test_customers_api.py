"""Access and erasure requests over HTTP: one call each, audited, checkpoints included."""

import httpx
from fastapi import FastAPI

from app.db.models import Role
from app.services.keys import create_api_key


async def test_export_then_erase_a_customer(
    api: httpx.AsyncClient, api_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    container = api_app.state.container
    chat = (
        await api.post("/v1/chat", json={"message": "你好", "customer_id": "cust-api-1"})
    ).json()
    session_id = chat["session_id"]
    config = {"configurable": {"thread_id": session_id}}
    assert await container.checkpointer.aget_tuple(config) is not None

    staff = {"Authorization": f"Bearer {create_api_key(container.engine, Role.staff)}"}
    assert (await api.get("/v1/customers/cust-api-1/export", headers=staff)).status_code == 403
    assert (await api.delete("/v1/customers/cust-api-1", headers=staff)).status_code == 403

    exported = await api.get("/v1/customers/cust-api-1/export", headers=admin_headers)
    assert exported.status_code == 200
    assert exported.json()["sessions"][0]["messages"][0]["content"] == "你好"

    erased = await api.delete("/v1/customers/cust-api-1", headers=admin_headers)
    assert erased.status_code == 200 and erased.json()["erased"]["sessions"] == 1
    assert await container.checkpointer.aget_tuple(config) is None  # the graph's memory too
    assert (await api.get(f"/v1/sessions/{session_id}/messages")).status_code == 404
    gone = await api.get("/v1/customers/cust-api-1/export", headers=admin_headers)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "customer_not_found"

    audit = (await api.get("/v1/audit?subject=cust-api-1", headers=admin_headers)).json()
    assert [e["action"] for e in audit["items"]] == [
        "customer.export",
        "customer.erase",
        "customer.export",
    ][::-1]
    assert all(e["actor"].startswith("admin:bootstrap:") for e in audit["items"])
    assert (await api.get("/v1/audit", headers=staff)).status_code == 403
