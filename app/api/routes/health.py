"""Liveness, readiness and Prometheus metrics."""

import logging

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


@router.get("/readyz")
async def readyz(container: ContainerDep) -> JSONResponse:
    checks = await run_in_threadpool(container.readiness)
    ready = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics(container: ContainerDep) -> Response:
    figures = None
    if container.tickets is not None:
        try:
            figures = await run_in_threadpool(container.tickets.queue_figures)
        except Exception:  # the database is away: the other metrics still matter
            logger.warning("tickets left out of the metrics: the database did not answer")
    if figures is not None:
        TICKETS.clear()
        for (status, priority), count in figures.tickets.items():
            TICKETS.labels(status, priority).set(count)
        for clock, count in figures.overdue.items():
            TICKETS_OVERDUE.labels(clock).set(count)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
