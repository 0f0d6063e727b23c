"""Dependency aliases for the routes."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from app.container import Container
from app.core.errors import ApiError
from app.db.models import ApiKey, Role
from app.services.keys import find_api_key

_bearer = HTTPBearer(auto_error=False)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def require_role(minimum: Role) -> Callable[..., object]:
    """A dependency that lets through keys of ``minimum`` role or higher: 401 / 403 otherwise."""

    async def check(
        container: ContainerDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        if credentials is None or not credentials.credentials:
            error = ApiError(401, "unauthorized")
            error.headers["WWW-Authenticate"] = "Bearer"
            raise error
        key = await run_in_threadpool(find_api_key, container.engine, credentials.credentials)
        if key is None:
            error = ApiError(401, "invalid_api_key")
            error.headers["WWW-Authenticate"] = "Bearer"
            raise error
        if key.role.rank < minimum.rank:
            raise ApiError(403, "forbidden", role=key.role.value, required=minimum.value)
        return key

    return check


AgentKey = Annotated[ApiKey, Depends(require_role(Role.agent))]
StaffKey = Annotated[ApiKey, Depends(require_role(Role.staff))]
AdminKey = Annotated[ApiKey, Depends(require_role(Role.admin))]
