"""Report periods: a month ("2026-11") or a quarter ("2026-Q4"), as local date ranges."""

import re
from datetime import date

from app.analytics.model import Period

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


class InvalidPeriod(ValueError):
    pass


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(key: str) -> Period:
    """``2026-11`` -> November 2026; ``2026-Q4`` -> October to December 2026."""
    text = key.strip()
    if month := _MONTH.match(text):
        year, number = int(month[1]), int(month[2])
        if not 1 <= number <= 12:
            raise InvalidPeriod(key)
        start = date(year, number, 1)
        return Period(f"{year:04d}-{number:02d}", "month", start, _add_months(start, 1))
    if quarter := _QUARTER.match(text):
        year, number = int(quarter[1]), int(quarter[2])
        start = date(year, 3 * (number - 1) + 1, 1)
        return Period(f"{year:04d}-Q{number}", "quarter", start, _add_months(start, 3))
    raise InvalidPeriod(key)


def period_containing(day: date, kind: str) -> Period:
    if kind == "month":
        return parse_period(f"{day.year:04d}-{day.month:02d}")
    return parse_period(f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")


def previous_period(period: Period) -> Period:
    months = 1 if period.kind == "month" else 3
    return period_containing(_add_months(period.start, -months), period.kind)
