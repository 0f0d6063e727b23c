"""The figures of a period, from the hourly totals, the tickets and the abstained turns.

The hourly totals are kept as turns are recorded, so a month of a million turns is summed
from some thousands of rows; days and hours of day are then the shop's local ones. The
tidy export reads the turns themselves.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlalchemy import select as aggregate
from sqlmodel import Session, col

from app.analytics.model import (
    DayCount,
    KnowledgeGap,
    Outcome,
    Summary,
    TicketFigures,
)
from app.db.models import (
    AnalyticsRollup,
    AnalyticsSession,
    AnalyticsTurn,
    Ticket,
    TicketStatus,
)
from models.intents import category_of
from models.language import detect_language

SETTLED = (TicketStatus.resolved, TicketStatus.closed)
TICKET_GRACE = timedelta(days=2)


@dataclass(frozen=True)
class HourGroup:
    hour: datetime  # UTC
    lang: str
    intent: str
    outcome: str
    opening: bool
    turns: int
    timed: int  # turns with a first-token time
    first_token_ms: int  # their sum


def local_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at ``start`` and at ``end``."""
    return (
        datetime.combine(start, time(), zone).astimezone(UTC),
        datetime.combine(end, time(), zone).astimezone(UTC),
    )


def hour_groups(engine: Engine, since: datetime, until: datetime) -> list[HourGroup]:
    turn = AnalyticsTurn
    keys = (
        col(turn.hour),
        col(turn.lang),
        col(turn.intent),
        col(turn.outcome),
        col(turn.opening),
    )
    statement = (
        aggregate(
            *keys,
            func.count(),
            func.count(col(turn.first_token_ms)),
            func.coalesce(func.sum(col(turn.first_token_ms)), 0),
        )
        .where(col(turn.hour) >= since, col(turn.hour) < until)
        .group_by(*keys)
    )
    with Session(engine) as session:
        return [HourGroup(*row) for row in session.execute(statement).all()]


@dataclass(frozen=True)
class Total:
    hour: datetime  # UTC
    metric: str
    value: str
    count: int
    total: int


def hourly_totals(engine: Engine, since: datetime, until: datetime) -> list[Total]:
    rollup = AnalyticsRollup
    statement = aggregate(
        col(rollup.hour),
        col(rollup.metric),
        col(rollup.value),
        col(rollup.count),
        col(rollup.total),
    ).where(col(rollup.hour) >= since, col(rollup.hour) < until)
    with Session(engine) as session:
        return [Total(*row) for row in session.execute(statement).all()]


def summarise(
    engine: Engine,
    start: date,
    end: date,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    gaps: int = 10,
) -> Summary:
    """The figures of the local days ``[start, end)``, from the hourly totals."""
    since, until = local_bounds(start, end, zone)
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    by_day_turns: Counter[date] = Counter()
    by_day_conversations: Counter[date] = Counter()
    by_hour = [0] * 24
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    sums: Counter[str] = Counter()
    for row in hourly_totals(engine, since, until):
        local = row.hour.replace(tzinfo=UTC).astimezone(zone)
        counts[row.metric][row.value] += row.count
        sums[row.metric] += row.total
        if row.metric == "turns":
            by_day_turns[local.date()] += row.count
            by_hour[local.hour] += row.count
        elif row.metric == "conversations":
            by_day_conversations[local.date()] += row.count
    turns = sum(counts["turns"].values())
    conversations = sum(counts["conversations"].values())
    escalated = sum(counts["escalated"].values())
    outcomes = counts["outcome"]
    knowledge = outcomes[Outcome.answered] + outcomes[Outcome.abstained]
    ratings = {r: counts["rating"][str(r)] for r in range(1, 6)}
    rated = sum(ratings.values())
    timed = sum(counts["first_token"].values())
    settled = settled_escalations(engine, since, until) if escalated else 0
    return Summary(
        start=start,
        end=end,
        timezone=str(zone),
        conversations=conversations,
        messages=2 * turns,
        turns=turns,
        by_day=[DayCount(d, by_day_conversations[d], by_day_turns[d]) for d in days],
        by_hour=by_hour,
        by_intent=dict(counts["intent"].most_common()),
        by_language=dict(counts["conversations"].most_common()),
        outcomes={o.value: outcomes[o.value] for o in Outcome},
        resolution_rate=_rate(conversations - escalated + settled, conversations),
        escalation_rate=_rate(escalated, conversations),
        abstention_rate=_rate(outcomes[Outcome.abstained], knowledge),
        csat_avg=round(sum(r * n for r, n in ratings.items()) / rated, 2) if rated else None,
        csat_count=rated,
        csat_distribution=ratings,
        avg_session_seconds=round(sums["seconds"] / conversations, 1) if conversations else None,
        avg_first_token_ms=round(sums["first_token"] / timed, 1) if timed else None,
        tickets=ticket_figures(engine, since, until, now or datetime.now(UTC)),
        knowledge_gaps=knowledge_gaps(engine, since, until, gaps),
        by_category=by_category(counts["intent"]),
    )


def by_category(intents: Counter[str]) -> dict[str, int]:
    categories: Counter[str] = Counter()
    for intent, turns in intents.items():
        categories[category_of(intent)] += turns
    return dict(categories.most_common())


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def settled_escalations(engine: Engine, since: datetime, until: datetime) -> int:
    """Conversations started in the period whose ticket is resolved or closed by now.

    Two index-only reads joined here: the tickets of conversations started in the period
    (an index on started_at and ticket_id covers it), and the settled tickets opened from
    the period's start until a little after its end (a conversation opens its ticket after it
    starts, if not always before the period ends)."""
    conversation = AnalyticsSession
    escalated = aggregate(col(conversation.ticket_id)).where(
        col(conversation.started_at) >= since,
        col(conversation.started_at) < until,
        col(conversation.ticket_id).is_not(None),
    )
    settled = aggregate(col(Ticket.id)).where(
        col(Ticket.created_at) >= since,
        col(Ticket.created_at) < until + TICKET_GRACE,
        col(Ticket.status).in_(SETTLED),
    )
    with Session(engine) as session:
        done = set(session.execute(settled).scalars())
        return sum(ticket in done for ticket in session.execute(escalated).scalars())


@dataclass(frozen=True)
class TicketTimes:
    created_at: datetime
    status: str
    category: str
    first_response_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


def ticket_figures(
    engine: Engine, since: datetime, until: datetime, now: datetime
) -> TicketFigures:
    """Tickets opened in the period, as they stand at ``now``."""
    columns = (
        Ticket.created_at,
        Ticket.status,
        Ticket.category,
        Ticket.first_response_due,
        Ticket.resolution_due,
        Ticket.first_responded_at,
        Ticket.resolved_at,
    )
    opened = aggregate(*(col(c) for c in columns)).where(
        col(Ticket.created_at) >= since, col(Ticket.created_at) < until
    )
    with Session(engine) as session:
        tickets = [TicketTimes(*row) for row in session.execute(opened).all()]
    first_responses = [
        (t.first_responded_at - t.created_at).total_seconds()
        for t in tickets
        if t.first_responded_at is not None
    ]
    resolutions = [
        (t.resolved_at - t.created_at).total_seconds()
        for t in tickets
        if t.resolved_at is not None and t.settled
    ]
    return TicketFigures(
        created=len(tickets),
        resolved=sum(t.settled for t in tickets),
        open=sum(not t.settled for t in tickets),
        by_category=dict(Counter(t.category for t in tickets).most_common()),
        first_response_avg_seconds=_mean(first_responses),
        resolution_avg_seconds=_mean(resolutions),
        first_response_breaches=sum(
            _late(t.first_responded_at, t.first_response_due, now) for t in tickets
        ),
        resolution_breaches=sum(
            _late(t.resolved_at if t.settled else None, t.resolution_due, now) for t in tickets
        ),
    )


def _late(done_at: datetime | None, due: datetime, now: datetime) -> bool:
    return (done_at or now) > due


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def knowledge_gaps(
    engine: Engine, since: datetime, until: datetime, limit: int
) -> list[KnowledgeGap]:
    """The questions the bot most often could not answer."""
    turn = AnalyticsTurn
    asked = func.count().label("asked")
    statement = (
        aggregate(col(turn.question), asked)
        .where(
            col(turn.outcome) == Outcome.abstained.value,
            col(turn.hour) >= since,
            col(turn.hour) < until,
            col(turn.question).is_not(None),
        )
        .group_by(col(turn.question))
        .order_by(asked.desc(), col(turn.question))
        .limit(limit)
    )
    with Session(engine) as session:
        return [
            KnowledgeGap(str(q), int(n), detect_language(str(q)))
            for q, n in session.execute(statement).all()
        ]


EXPORT_COLUMNS = ("day", "hour", "lang", "intent", "outcome", "turns", "conversations_started")


def export_rows(
    engine: Engine, start: date, end: date, zone: ZoneInfo
) -> list[tuple[str, int, str, str, str, int, int]]:
    """The period's turns as tidy rows (local day and hour, language, intent, outcome) for a
    spreadsheet's pivot table."""
    since, until = local_bounds(start, end, zone)
    merged: Counter[tuple[str, int, str, str, str]] = Counter()
    opened: Counter[tuple[str, int, str, str, str]] = Counter()
    for group in hour_groups(engine, since, until):
        local = group.hour.replace(tzinfo=UTC).astimezone(zone)
        key = (local.date().isoformat(), local.hour, group.lang, group.intent, group.outcome)
        merged[key] += group.turns
        if group.opening:
            opened[key] += group.turns
    return [(*key, merged[key], opened[key]) for key in sorted(merged)]
