"""What the routes accept, in one place: text that every database can store, ids that fit their
columns, and days written as days.

Text: PostgreSQL refuses a NUL character in text, and neither database can store a lone UTF-16
surrogate (JSON's ``"\\ud800"`` escape makes one); a request that holds either is refused with
422 ``invalid_request`` before it reaches a store, instead of failing there (a 500, or a chat turn
that dies half-way). Pydantic checks the pattern in Rust, which also refuses surrogates (no UTF-8
form). The schema shows the pattern, so clients and schemathesis know it.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, StringConstraints

# No NUL anywhere (documented and enforced); surrogates fail the same check.
TEXT_PATTERN = r"^[^\x00]*$"
# ... and at least one character that is not white space (documented for required text).
NON_BLANK_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Integer primary keys are PostgreSQL `integer` columns: a larger id cannot name a row.
MAX_ID = 2**31 - 1

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
_UNSTORABLE = re.compile("[\\x00\\ud800-\\udfff]")


def storable(value: str) -> bool:
    """Text that holds no NUL and no lone surrogate (for text read outside a model: file names)."""
    return _UNSTORABLE.search(value) is None


def _json_integer(value: object) -> object:
    """A JSON integer (1 or 1.0), not a string that reads as one, nor a boolean."""
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON number, not a string or a boolean")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]


def non_blank(description: str) -> dict[str, Any]:
    """Field arguments of required text: the schema shows that it must not be blank, while the
    route says so with its own error code (``empty_message``)."""
    return {"description": description, "json_schema_extra": {"pattern": NON_BLANK_PATTERN}}


def is_session_id(value: str) -> bool:
    """Letters, digits, ``-`` and ``_``, 1 to 64 of them (no newline at the end either)."""
    return _SESSION_ID.fullmatch(value) is not None


def id_path(description: str) -> Any:
    return Path(ge=1, le=MAX_ID, description=description)


def text_path(description: str, max_length: int) -> Any:
    return Path(min_length=1, max_length=max_length, pattern=TEXT_PATTERN, description=description)


# --- days and times: ISO 8601 strings, never numbers (pydantic reads "0" as 1970-01-01) ------

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Analytics and reports count in the shop's time zone from the day before to the day after a
# range: days within these bounds leave room for that at both ends of the calendar.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


def _iso_time(value: object) -> object:
    if isinstance(value, str) and not _ISO_DAY.match(value):
        raise ValueError("a time is written in ISO 8601: YYYY-MM-DDTHH:MM:SS, with its offset")
    return value


def _countable_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return value


def _utc_time(value: datetime) -> datetime:
    """An instant with its offset, that has a time in UTC (what the database keeps)."""
    if value.utcoffset() is None:
        raise ValueError("a time needs its offset (Z or +08:00)")
    try:
        value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the calendar begins in UTC
        raise ValueError("a time within the calendar in UTC") from None
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_countable_day)]
IsoTime = Annotated[datetime, BeforeValidator(_iso_time), AfterValidator(_utc_time)]
