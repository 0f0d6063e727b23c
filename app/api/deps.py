"""Dependency aliases for the routes."""

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from app.container import Container
from app.core.errors import ApiError
from app.core.metrics import RATE_LIMIT_ERRORS, RATE_LIMITED
from app.core.ratelimit import Rate, retry_after
from app.db.models import ApiKey, Role
from app.services.keys import find_api_key

_bearer = HTTPBearer(auto_error=False)
logger = logging.getLogger(__name__)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


@lru_cache(maxsize=32)
def _rate(text: str) -> Rate:
    return Rate.parse(text)


async def enforce_rate(container: Container, scope: str, key: str, rate: str) -> None:
    """429 with Retry-After once ``key`` has used up ``rate``. Should the limits' store (Redis)
    not answer, the request goes through: shoppers keep being served while it is away, and
    the metric and the readiness check say so."""
    try:
        wait = await container.rate_limiter.wait_time(f"{scope}:{key}", _rate(rate))
    except Exception as exc:
        RATE_LIMIT_ERRORS.inc()
        logger.warning("rate limit of %s not checked, its store failed: %s", scope, exc)
        return
    if wait > 0:
        RATE_LIMITED.labels(scope).inc()
        seconds = retry_after(wait)
        error = ApiError(429, "rate_limited", seconds=seconds)
        error.headers["Retry-After"] = seconds
        raise error


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_by_ip(request: Request, container: ContainerDep) -> None:
    """The shopper endpoints' limit per client IP (they need no key)."""
    await enforce_rate(container, "ip", client_ip(request), container.settings.rate_limit_ip)


ShopperRateLimit = Depends(limit_by_ip)


def require_role(minimum: Role) -> Callable[..., object]:
    """A dependency that lets through keys of ``minimum`` role or higher: 401 / 403 otherwise."""

    async def check(
        container: ContainerDep,
        # The role is the scope of the bearer scheme: the OpenAPI schema names it per operation.
        credentials: Annotated[
            HTTPAuthorizationCredentials | None, Security(_bearer, scopes=[minimum.value])
        ],
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
        await enforce_rate(container, "key", key.key_hash[:24], container.settings.rate_limit_key)
        return key

    return check


AgentKey = Annotated[ApiKey, Depends(require_role(Role.agent))]
StaffKey = Annotated[ApiKey, Depends(require_role(Role.staff))]
AdminKey = Annotated[ApiKey, Depends(require_role(Role.admin))]
