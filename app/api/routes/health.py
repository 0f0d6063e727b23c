"""Liveness, readiness and Prometheus metrics."""

import logging
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep
from app.core.metrics import REGISTRY, TICKETS, TICKETS_OVERDUE

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


# Without these a worker still serves: a turn quotes the help centre instead of translating,
# a hand-over fills its ticket from the policy; with Redis away, rate limits go unchecked and
# a session's turns are kept apart within each worker. Alerts watch them; load balancers need
# not.
OPTIONAL_CHECKS = frozenset({"llm", "redis"})
READINESS = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"enum": ["ready", "degraded", "not_ready"]},
        "checks": {"type": "object", "additionalProperties": {"type": "boolean"}},
    },
}
READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Ready; `degraded` when only the LLM or Redis does not answer (answers "
        "quote the help centre, hand-overs use the policy's arguments, limits and locks are "
        "per worker meanwhile).",
        "content": {"application/json": {"schema": READINESS}},
    },
    503: {
        "description": "A model or store is not ready; `checks` says which.",
        "content": {"application/json": {"schema": READINESS}},
    },
}
METRICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Prometheus' text format.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


@router.get("/readyz", response_class=JSONResponse, responses=READY_RESPONSES)
async def readyz(container: ContainerDep) -> JSONResponse:
    checks = await run_in_threadpool(container.readiness)
    if container.settings.redis_url:  # shared limits and session locks live there
        checks["redis"] = await container.rate_limiter.ping()
    required = all(ok for name, ok in checks.items() if name not in OPTIONAL_CHECKS)
    status = "not_ready" if not required else "ready" if all(checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if required else 503)


@router.get("/metrics", response_class=Response, responses=METRICS_RESPONSE)
async def metrics(container: ContainerDep) -> Response:
    figures = None
    if container.tickets is not None:
        try:
            figures = await run_in_threadpool(container.tickets.queue_figures)
        except Exception:  # the database is away: the other metrics still matter
            logger.warning("tickets left out of the metrics: the database did not answer")
    TICKETS.clear()  # this scrape's figures or none, never stale ones
    TICKETS_OVERDUE.clear()
    if figures is not None:
        for (status, priority), count in figures.tickets.items():
            TICKETS.labels(status, priority).set(count)
        for clock, count in figures.overdue.items():
            TICKETS_OVERDUE.labels(clock).set(count)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
