"""Analytics for managers: the figures of a date range, as JSON or as CSV rows."""

import csv
import io
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.analytics.summary import EXPORT_COLUMNS, export_rows, summarise
from app.api.deps import ContainerDep, StaffKey
from app.api.routes.params import IsoDay
from app.core.errors import ApiError, error_responses

router = APIRouter(
    prefix="/v1/analytics", tags=["analytics"], responses=error_responses(401, 403, 422, 429)
)

MAX_DAYS = 400
DEFAULT_DAYS = 30

From = Annotated[IsoDay | None, Query(alias="from", description="first local day (YYYY-MM-DD)")]
To = Annotated[IsoDay | None, Query(alias="to", description="last local day, included")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One row per local day, hour, language, intent and outcome.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def date_range(start: date | None, last: date | None, today: date) -> tuple[date, date]:
    """``[start, end)`` from inclusive query dates; the last 30 days by default."""
    end = (last or today) + timedelta(days=1)
    begin = start or end - timedelta(days=DEFAULT_DAYS)
    if begin >= end:
        raise ApiError(422, "invalid_date_range", start=begin, end=end - timedelta(days=1))
    if (end - begin).days > MAX_DAYS:
        raise ApiError(422, "date_range_too_long", days=(end - begin).days, limit=MAX_DAYS)
    return begin, end


@router.get("/summary")
async def analytics_summary(
    container: ContainerDep, key: StaffKey, start: From = None, last: To = None
) -> dict[str, Any]:
    settings = container.settings
    begin, end = date_range(start, last, container.today())
    summary = await run_in_threadpool(summarise, container.engine, begin, end, settings.zone)
    return summary.as_json()


@router.get("/export", response_class=Response, responses=CSV_RESPONSE)
async def analytics_export(
    container: ContainerDep, key: StaffKey, start: From = None, last: To = None
) -> Response:
    """CSV: one row per local day, hour, language, intent and outcome."""
    begin, end = date_range(start, last, container.today())
    rows = await run_in_threadpool(
        export_rows, container.engine, begin, end, container.settings.zone
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(rows)
    filename = f"kefu-analytics-{begin.isoformat()}-{(end - timedelta(days=1)).isoformat()}.csv"
    return Response(
        out.getvalue().encode("utf-8-sig"),  # with a BOM, so spreadsheets read Chinese right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
