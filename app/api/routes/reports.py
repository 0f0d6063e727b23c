"""Monthly and quarterly reports, as JSON, HTML or PDF."""

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.analytics.periods import InvalidPeriod, parse_period
from app.api.deps import ContainerDep, StaffKey
from app.api.routes.params import FIRST_DAY, LAST_DAY
from app.core.errors import ApiError, error_responses

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], responses=error_responses(401, 403, 422, 429)
)

MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}

REPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report, in the format asked for.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
# A month (2026-11) or a quarter (2026-Q4); anything else is refused as `invalid_period`.
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2]|[Qq][1-4])$"


@router.get("/{period}", response_class=Response, responses=REPORT_RESPONSE)
async def period_report(
    period: Annotated[
        str,
        Path(
            description="a month (2026-11) or a quarter (2026-Q4)",
            json_schema_extra={"pattern": PERIOD_PATTERN},
        ),
    ],
    container: ContainerDep,
    key: StaffKey,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
) -> Response:
    try:
        if not re.fullmatch(PERIOD_PATTERN, period):
            raise InvalidPeriod(period)
        wanted = parse_period(period)
        if wanted.start < FIRST_DAY or wanted.end > LAST_DAY:  # the reports compare with the
            raise InvalidPeriod(period)  # period before and count to the day after
    except ValueError:  # InvalidPeriod, or a year the calendar has no room for (0000)
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
