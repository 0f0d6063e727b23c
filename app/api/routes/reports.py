"""Monthly and quarterly reports, as JSON, HTML or PDF."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.analytics.periods import InvalidPeriod, parse_period
from app.api.deps import ContainerDep, StaffKey
from app.core.errors import ApiError

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get("/{period}")
async def period_report(
    period: str,
    container: ContainerDep,
    key: StaffKey,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
) -> Response:
    try:
        wanted = parse_period(period)
    except InvalidPeriod:
        raise ApiError(422, "invalid_period", period=period[:32]) from None
    if wanted.start > container.today():
        raise ApiError(422, "future_period", period=wanted.key)
    language = lang or container.settings.report_language
    content = await run_in_threadpool(container.reports_service().get, wanted, language, format)
    headers = {}
    if format != "json":
        filename = f"kefu-report-{wanted.key}.{language}.{format}"
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(content, media_type=MEDIA_TYPES[format], headers=headers)
