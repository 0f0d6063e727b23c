"""Figures as a reader sees them: counts, rates, durations and changes, in either language.

A missing figure (``None``) shows as "—", and so does any change that needs one.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.analytics.model import Period
from app.reports.texts import label

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def visible(text: str) -> str:
    """Text without control characters (a shopper's question may hold any)."""
    return _CONTROL.sub("", text)


def none(lang: str) -> str:
    return label("value.none", lang)


def count(value: float) -> str:
    """``1234`` -> ``1,234``."""
    return f"{round(value):,}"


def percent(rate: float | None, lang: str) -> str:
    """A rate in 0..1: ``0.8567`` -> ``85.7%``."""
    return none(lang) if rate is None else f"{rate * 100:.1f}%"


def score(value: float | None, lang: str, digits: int = 2) -> str:
    """``4.3167`` -> ``4.32``."""
    return none(lang) if value is None else f"{value:.{digits}f}"


def csat(average: float | None, ratings: int, lang: str) -> str:
    """``4.32 (128 ratings)``; "—" with no ratings."""
    if average is None or ratings == 0:
        return none(lang)
    return label("value.csat", lang).format(average=score(average, lang), count=count(ratings))


def duration(seconds: float | None, lang: str) -> str:
    """``205`` -> ``3 min 25 s`` / ``3分25秒``; two units at most, the larger ones."""
    if seconds is None:
        return none(lang)
    total = round(abs(seconds))
    sign = "-" if seconds < 0 and total else ""
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = [("unit.d", days), ("unit.h", hours), ("unit.min", minutes), ("unit.s", secs)]
    first = next((i for i, (_, n) in enumerate(units) if n), len(units) - 1)
    shown = [label(unit, lang).format(value=n) for unit, n in units[first : first + 2] if n]
    return sign + label("unit.join", lang).join(shown or [label("unit.s", lang).format(value=0)])


def milliseconds(value: float | None, lang: str) -> str:
    """``1250.4`` -> ``1,250 ms`` / ``1,250 毫秒``."""
    return none(lang) if value is None else label("unit.ms", lang).format(value=count(value))


def signed(value: float, digits: int = 0) -> str:
    """``12`` -> ``+12``, ``-0.5`` -> ``-0.5``, zero -> ``0``."""
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if value > 0 else "-") + text


def count_change(current: float | None, previous: float | None, lang: str) -> str:
    """``+12 (+5.3%)``; the relative part only when the previous count is not zero."""
    if current is None or previous is None:
        return none(lang)
    difference = current - previous
    if not previous:
        return signed(difference)
    return f"{signed(difference)} ({signed(difference / previous * 100, 1)}%)"


def rate_change(current: float | None, previous: float | None, lang: str) -> str:
    """The change of a rate in percentage points: ``+2.5 pp`` / ``+2.5 个百分点``."""
    if current is None or previous is None:
        return none(lang)
    return label("value.points", lang).format(value=signed((current - previous) * 100, 1))


def score_change(current: float | None, previous: float | None, lang: str) -> str:
    if current is None or previous is None:
        return none(lang)
    return signed(current - previous, 2)


def duration_change(current: float | None, previous: float | None, lang: str) -> str:
    if current is None or previous is None:
        return none(lang)
    difference = current - previous
    text = duration(difference, lang)
    return "+" + text if round(difference) > 0 else text


def milliseconds_change(current: float | None, previous: float | None, lang: str) -> str:
    if current is None or previous is None:
        return none(lang)
    return label("unit.ms", lang).format(value=signed(current - previous))


def period_title(period: Period, lang: str) -> str:
    """``Monthly report 2026-11`` / ``2026年11月 月度报告``, and the same for a quarter."""
    year = period.start.year
    if period.kind == "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        return label("report.quarter", lang).format(key=period.key, year=year, quarter=quarter)
    month = period.start.month
    return label("report.month", lang).format(key=period.key, year=year, month=month)


def day(value: date) -> str:
    return value.isoformat()


def local_time(at: datetime, timezone: str) -> str:
    """``2026-12-01 08:00 (Asia/Shanghai)``: the shop's local time when it is known."""
    if at.tzinfo is None:
        return at.strftime("%Y-%m-%d %H:%M")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return at.strftime("%Y-%m-%d %H:%M %Z").strip()
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} ({timezone})"
