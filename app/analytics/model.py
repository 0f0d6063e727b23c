"""What analytics records and what it reports: plain data, JSON-ready through ``as_json``.

Events are pseudonymous (a keyed hash of the session id, never the customer) and any text in
them is already redacted. Days and hours are the shop's local ones (``KEFU_TIMEZONE``).
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How a turn ended, as counted by analytics."""

    answered = "answered"  # answered from the knowledge base, with sources
    abstained = "abstained"  # no source answered it: said so and offered a person
    clarified = "clarified"  # asked the shopper what they meant
    escalated = "escalated"  # opened or updated a ticket / handed over
    order = "order"  # an order look-up or its slot filling
    smalltalk = "smalltalk"  # greeting, thanks, goodbye, off-topic
    error = "error"  # the turn failed


@dataclass(frozen=True)
class TurnEvent:
    session: str  # pseudonymous session id
    at: datetime  # UTC, timezone-aware
    lang: str  # "zh" | "en"
    intent: str
    outcome: Outcome
    first_token_ms: int | None = None
    turn_ms: int | None = None
    # The redacted question, kept only when the bot abstained (the knowledge gaps).
    question: str | None = None
    ticket_id: int | None = None


@dataclass(frozen=True)
class DayCount:
    day: date
    conversations: int
    turns: int


@dataclass(frozen=True)
class KnowledgeGap:
    question: str  # a redacted example of the question
    count: int  # how often it (or the same question, normalised) was asked
    lang: str


@dataclass(frozen=True)
class TicketFigures:
    created: int = 0
    resolved: int = 0  # of those created in the period, resolved or closed by now
    open: int = 0  # of those created in the period, still open or pending
    by_category: dict[str, int] = field(default_factory=dict)
    first_response_avg_seconds: float | None = None
    resolution_avg_seconds: float | None = None
    first_response_breaches: int = 0  # answered late, or unanswered and overdue
    resolution_breaches: int = 0


@dataclass(frozen=True)
class Summary:
    """The figures of one period ``[start, end)`` (local dates)."""

    start: date
    end: date  # exclusive
    timezone: str
    conversations: int  # sessions started in the period
    messages: int  # shopper and assistant messages
    turns: int
    by_day: list[DayCount]  # every day of the period, zeros included
    by_hour: list[int]  # 24 turn counts by local hour of day
    by_intent: dict[str, int]  # turns per intent, most frequent first
    by_language: dict[str, int]  # conversations per language
    outcomes: dict[str, int]  # turns per Outcome value
    resolution_rate: float | None  # conversations settled without a ticket, or ticket resolved
    escalation_rate: float | None  # conversations that opened a ticket
    abstention_rate: float | None  # knowledge questions the bot could not answer
    csat_avg: float | None
    csat_count: int
    csat_distribution: dict[int, int]  # rating 1..5 -> count, all five keys
    avg_session_seconds: float | None
    avg_first_token_ms: float | None
    tickets: TicketFigures
    knowledge_gaps: list[KnowledgeGap]  # most frequent first
    # Turns per intent category (ACCOUNT, DELIVERY, PRODUCT, ...), most frequent first.
    by_category: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        jsonable: dict[str, Any] = _jsonable(asdict(self))
        return jsonable


@dataclass(frozen=True)
class Period:
    """A month ("2026-11") or a quarter ("2026-Q4")."""

    key: str
    kind: str  # "month" | "quarter"
    start: date
    end: date  # exclusive

    def previous(self) -> "Period":
        from app.analytics.periods import previous_period

        return previous_period(self)


@dataclass(frozen=True)
class Report:
    period: Period
    summary: Summary
    previous: Summary | None  # the period before, for comparison
    generated_at: datetime
    lang: str  # "zh" | "en": the report's language
    # Quarterly reports: the intent classifier's evaluation on the held-out sets
    # (``{"en": {"accuracy", "macro_f1", "n"}, "zh": {...}}``).
    intent_accuracy: dict[str, dict[str, float]] | None = None

    def as_json(self) -> dict[str, Any]:
        jsonable: dict[str, Any] = _jsonable(asdict(self))
        return jsonable


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
