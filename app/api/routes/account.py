"""Who the caller's API key belongs to: the console signs in with it and shows what its role
may use."""

from typing import Any

from fastapi import APIRouter

from app.api.deps import AgentKey
from app.core.errors import error_responses

router = APIRouter(prefix="/v1", tags=["account"], responses=error_responses(401, 403, 429))


@router.get("/me")
async def who_am_i(key: AgentKey) -> dict[str, Any]:
    return {"name": key.name, "prefix": key.prefix, "role": key.role.value}
