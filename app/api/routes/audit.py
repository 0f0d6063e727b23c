"""The audit log for admins; reading it is itself recorded."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from app.api.deps import AdminKey, ContainerDep
from app.api.routes.params import IsoTime, Text
from app.core.errors import error_responses
from app.services.audit import AuditLog, actor_of

router = APIRouter(
    prefix="/v1/audit", tags=["audit"], responses=error_responses(401, 403, 422, 429)
)


@router.get("")
async def read_audit_log(
    container: ContainerDep,
    key: AdminKey,
    action: Annotated[Text | None, Query(max_length=64)] = None,
    subject: Annotated[Text | None, Query(max_length=160)] = None,
    since: Annotated[IsoTime | None, Query(description="ISO 8601, with its offset")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    log = AuditLog(container.engine)
    events = await run_in_threadpool(
        lambda: log.events(action=action, subject=subject, since=since, limit=limit)
    )
    await run_in_threadpool(
        log.record, actor_of(key), "audit.read", "", {"action": action, "subject": subject}
    )
    return {
        "items": [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "detail": e.detail,
            }
            for e in events
        ]
    }
