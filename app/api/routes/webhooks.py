"""The webhook delivery log for admins, and sending a failed delivery again."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from app.api.deps import AdminKey, ContainerDep
from app.api.routes.params import id_path
from app.core.errors import ApiError, error_responses
from app.db.models import DeliveryStatus, WebhookDelivery
from app.services.webhooks import AlreadyDelivered, deliveries, retry_delivery

router = APIRouter(
    prefix="/v1/webhooks", tags=["webhooks"], responses=error_responses(401, 403, 422, 429)
)
DeliveryId = Annotated[int, id_path("the delivery's id")]


def delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event": delivery.event,
        "url": delivery.url,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at.isoformat(),
        "created_at": delivery.created_at.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
        "ticket_id": (delivery.payload.get("ticket") or {}).get("id"),  # type: ignore[attr-defined]
    }


@router.get("/deliveries")
async def list_deliveries(
    container: ContainerDep,
    _key: AdminKey,
    status_filter: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    rows = await run_in_threadpool(deliveries, container.engine, status_filter, limit)
    return {"items": [delivery_view(d) for d in rows]}


@router.post("/deliveries/{delivery_id}/retry", responses=error_responses(404, 409))
async def retry(delivery_id: DeliveryId, container: ContainerDep, _key: AdminKey) -> dict[str, Any]:
    try:
        retried = await run_in_threadpool(retry_delivery, container.engine, delivery_id)
    except AlreadyDelivered:
        raise ApiError(409, "delivery_already_delivered", id=delivery_id) from None
    if retried is None:
        raise ApiError(404, "delivery_not_found", id=delivery_id)
    return delivery_view(retried)
