"""A customer's access and erasure requests, answered in one call each (admins only)."""

from typing import Annotated, Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app.api.deps import AdminKey, ContainerDep
from app.api.routes.params import text_path
from app.core.errors import ApiError, error_responses
from app.services.audit import AuditLog, actor_of
from app.services.customers import CustomerData
from app.services.retention import forget_elsewhere

router = APIRouter(
    prefix="/v1/customers", tags=["customers"], responses=error_responses(401, 403, 422, 429)
)
CustomerId = Annotated[str, text_path("the shop's customer id", max_length=128)]


@router.get("/{customer_id}/export", responses=error_responses(404))
async def export_customer(
    customer_id: CustomerId, container: ContainerDep, key: AdminKey
) -> dict[str, Any]:
    exported = await run_in_threadpool(CustomerData(container.engine).export, customer_id)
    if exported is not None and container.vault is not None:
        session_ids = [s["id"] for s in exported["sessions"]]
        exported["personal_data"] = [
            {"token": token, "type": entity, "value": value}
            for token, entity, value in await run_in_threadpool(
                container.vault.for_sessions, session_ids
            )
        ]
    await run_in_threadpool(
        AuditLog(container.engine).record,
        actor_of(key),
        "customer.export",
        customer_id,
        {"found": exported is not None},
    )
    if exported is None:
        raise ApiError(404, "customer_not_found", id=customer_id)
    return exported


@router.delete("/{customer_id}")
async def erase_customer(
    customer_id: CustomerId, container: ContainerDep, key: AdminKey
) -> dict[str, Any]:
    erasure = await run_in_threadpool(CustomerData(container.engine).erase, customer_id)
    # The sessions' memory in LangGraph and their vault entries go too.
    counts = await forget_elsewhere(
        erasure, container.checkpointer, container.vault, container.analytics
    )
    await run_in_threadpool(
        AuditLog(container.engine).record, actor_of(key), "customer.erase", customer_id, counts
    )
    return {"customer_id": customer_id, "erased": counts}
