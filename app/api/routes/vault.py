"""Looking up the original behind a pseudonym token: for agents who need it (to call the
shopper back, say), with a reason, and always audited."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import AgentKey, ContainerDep
from app.api.routes.params import Text
from app.core.errors import ApiError, error_responses
from app.services.audit import AuditLog, actor_of

router = APIRouter(
    prefix="/v1/vault", tags=["vault"], responses=error_responses(400, 401, 403, 404, 422, 429)
)


class RevealRequest(BaseModel):
    token: str = Field(min_length=3, max_length=48, pattern=r"^\[[A-Z_]+:[0-9a-f]{10}\]$")
    reason: Text = Field(min_length=3, max_length=500)


@router.post("/reveal")
async def reveal(body: RevealRequest, container: ContainerDep, key: AgentKey) -> dict[str, Any]:
    assert container.vault is not None
    found = await run_in_threadpool(container.vault.reveal, body.token)
    await run_in_threadpool(
        AuditLog(container.engine).record,
        actor_of(key),
        "vault.reveal",
        body.token,
        {"reason": body.reason, "found": found is not None},
    )
    if found is None:
        raise ApiError(404, "token_not_found", token=body.token)
    entity, value = found
    return {"token": body.token, "type": entity, "value": value}
