"""Every figure of the summary of a synthetic month, against a calculation written here from
the generated conversations (not from the database), on SQLite and PostgreSQL."""

import re
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.analytics.model import Outcome, Summary
from app.analytics.store import AnalyticsStore, rebuild_totals
from app.analytics.summary import export_rows, summarise
from app.db.models import AnalyticsRollup, AnalyticsSession, TicketStatus
from models.intents import CATEGORIES
from tests.app.synthetic_month import SyntheticConversation, generate, write

ZONE = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 11, 1), date(2026, 12, 1)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SETTLED = {TicketStatus.resolved, TicketStatus.closed}


def local_day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def in_month(at: datetime) -> bool:
    return START <= local_day(at) < END


def normalised(question: str) -> str:
    return re.sub(r"[?？!！.。\s]+$", "", question.strip()).lower()


@pytest.fixture
def month(engine: Engine) -> tuple[list[SyntheticConversation], Summary]:
    conversations = generate(2026, 11, ZONE)
    write(engine, AnalyticsStore(engine, b"k" * 32), conversations)
    return conversations, summarise(engine, START, END, ZONE, now=NOW)


def test_volume_by_day_hour_intent_and_outcome(
    month: tuple[list[SyntheticConversation], Summary],
) -> None:
    conversations, summary = month
    started = [c for c in conversations if in_month(c.turns[0].at)]
    turns = [t for c in conversations for t in c.turns if in_month(t.at)]
    assert len(started) > 150 and len(turns) > 400  # the month is not trivially small
    assert summary.conversations == len(started)
    assert summary.turns == len(turns)
    assert summary.messages == 2 * len(turns)
    days = Counter(local_day(c.turns[0].at) for c in started)
    turn_days = Counter(local_day(t.at) for t in turns)
    assert len(summary.by_day) == 30
    for row in summary.by_day:
        assert (row.conversations, row.turns) == (days[row.day], turn_days[row.day])
    hours = Counter(t.at.astimezone(ZONE).hour for t in turns)
    assert summary.by_hour == [hours[h] for h in range(24)]
    assert summary.by_intent == dict(Counter(t.intent for t in turns))
    categories = Counter(
        next((c for c, members in CATEGORIES.items() if t.intent in members), "OUT_OF_SCOPE")
        for t in turns
    )
    assert summary.by_category == dict(categories)
    assert list(summary.by_intent.values()) == sorted(summary.by_intent.values(), reverse=True)
    outcomes = Counter(t.outcome.value for t in turns)
    assert summary.outcomes == {o.value: outcomes[o.value] for o in Outcome}
    assert summary.by_language == dict(Counter(c.lang for c in started))


def test_rates_satisfaction_duration_and_latency(
    month: tuple[list[SyntheticConversation], Summary],
) -> None:
    conversations, summary = month
    started = [c for c in conversations if in_month(c.turns[0].at)]
    turns = [t for c in conversations for t in c.turns if in_month(t.at)]
    escalated = [c for c in started if c.ticket is not None]
    settled = [c for c in started if c.ticket is None or c.ticket.status in SETTLED]
    assert summary.escalation_rate == pytest.approx(len(escalated) / len(started), abs=1e-4)
    assert summary.resolution_rate == pytest.approx(len(settled) / len(started), abs=1e-4)
    answered = sum(t.outcome is Outcome.answered for t in turns)
    abstained = sum(t.outcome is Outcome.abstained for t in turns)
    assert summary.abstention_rate == pytest.approx(abstained / (answered + abstained), abs=1e-4)
    ratings = [c.rating for c in started if c.rating is not None]
    assert summary.csat_count == len(ratings)
    assert summary.csat_avg == pytest.approx(statistics.mean(ratings), abs=0.005)
    assert summary.csat_distribution == {r: ratings.count(r) for r in range(1, 6)}
    durations = [(c.turns[-1].at - c.turns[0].at).total_seconds() for c in started]
    assert summary.avg_session_seconds == pytest.approx(statistics.mean(durations), abs=0.1)
    timed = [t.first_token_ms for t in turns if t.first_token_ms is not None]
    assert summary.avg_first_token_ms == pytest.approx(statistics.mean(timed), abs=0.1)


def test_tickets_and_their_service_levels(
    month: tuple[list[SyntheticConversation], Summary],
) -> None:
    conversations, summary = month
    tickets = [
        c.ticket for c in conversations if c.ticket is not None and in_month(c.ticket.created_at)
    ]
    figures = summary.tickets
    assert figures.created == len(tickets) > 5
    assert figures.resolved == sum(t.status in SETTLED for t in tickets)
    assert figures.open == sum(t.status not in SETTLED for t in tickets)
    assert figures.by_category == dict(Counter(t.category for t in tickets))
    responses = [
        (t.first_responded_at - t.created_at).total_seconds()
        for t in tickets
        if t.first_responded_at
    ]
    assert figures.first_response_avg_seconds == pytest.approx(statistics.mean(responses), abs=0.1)
    resolutions = [
        (t.resolved_at - t.created_at).total_seconds()
        for t in tickets
        if t.resolved_at and t.status in SETTLED
    ]
    assert figures.resolution_avg_seconds == pytest.approx(statistics.mean(resolutions), abs=0.1)
    late_responses = sum((t.first_responded_at or NOW) > t.first_response_due for t in tickets)
    late_resolutions = 0
    for t in tickets:
        done = t.resolved_at if t.status in SETTLED else None
        late_resolutions += (done or NOW) > t.resolution_due
    assert figures.first_response_breaches == late_responses
    assert figures.resolution_breaches == late_resolutions


def test_knowledge_gaps_are_the_most_asked_unanswered_questions(
    month: tuple[list[SyntheticConversation], Summary],
) -> None:
    conversations, summary = month
    asked = Counter(
        normalised(t.question)
        for c in conversations
        for t in c.turns
        if in_month(t.at) and t.outcome is Outcome.abstained
    )
    expected = asked.most_common()
    assert [g.count for g in summary.knowledge_gaps] == [n for _, n in expected][:10]
    for gap in summary.knowledge_gaps:
        assert asked[gap.question] == gap.count
    # "Do you gift wrap?" and "do you gift wrap" are one gap
    assert "do you gift wrap" in {g.question for g in summary.knowledge_gaps}


def test_export_rows_add_up_to_the_summary(
    engine: Engine, month: tuple[list[SyntheticConversation], Summary]
) -> None:
    _, summary = month
    rows = export_rows(engine, START, END, ZONE)
    assert sum(row[5] for row in rows) == summary.turns
    assert sum(row[6] for row in rows) == summary.conversations
    by_outcome = Counter[str]()
    for row in rows:
        by_outcome[row[4]] += row[5]
        assert START.isoformat() <= row[0] < END.isoformat() and 0 <= row[1] < 24
    assert {k: v for k, v in summary.outcomes.items() if v} == dict(by_outcome)


def test_an_empty_period_has_zeros_and_no_rates(engine: Engine) -> None:
    summary = summarise(engine, date(2026, 1, 1), date(2026, 1, 8), ZONE, now=NOW)
    assert summary.conversations == summary.turns == 0
    assert [d.turns for d in summary.by_day] == [0] * 7
    assert summary.resolution_rate is None and summary.csat_avg is None
    assert summary.csat_distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert summary.knowledge_gaps == []


def test_erasure_blanks_texts_but_keeps_counts(engine: Engine) -> None:
    store = AnalyticsStore(engine, b"k" * 32)
    at = datetime(2026, 11, 5, 4, 0, tzinfo=UTC)
    store.record_turn(
        "s-erase", lang="en", intent="oos", outcome=Outcome.abstained, question="Gift wrap?", at=at
    )
    store.record_feedback("s-erase", 2, "slow answers")
    assert store.forget(["s-erase"]) == 1
    summary = summarise(engine, START, END, ZONE, now=NOW)
    assert summary.turns == 1 and summary.csat_count == 1
    assert summary.knowledge_gaps == []  # the question text is gone
    assert store.turns_of("s-erase")[0].question is None
    assert store.pseudonym("s-erase") != "s-erase" and len(store.pseudonym("s-erase")) == 32


def test_a_conversation_belongs_to_the_local_day_it_started(engine: Engine) -> None:
    """23:50 on 31 October in Shanghai is 15:50 UTC; its second turn is on 1 November."""
    store = AnalyticsStore(engine, b"k" * 32)
    first = datetime(2026, 10, 31, 15, 50, tzinfo=UTC)
    for minutes in (0, 20):
        store.record_turn(
            "s-midnight",
            lang="zh",
            intent="track_order",
            outcome=Outcome.order,
            at=first + timedelta(minutes=minutes),
        )
    november = summarise(engine, START, END, ZONE, now=NOW)
    october = summarise(engine, date(2026, 10, 1), START, ZONE, now=NOW)
    assert (november.conversations, november.turns) == (0, 1)
    assert (october.conversations, october.turns) == (1, 1)
    assert october.avg_session_seconds == 1200
    assert october.by_hour[23] == 1 and november.by_hour[0] == 1


def test_running_totals_equal_totals_rebuilt_from_the_turns(
    engine: Engine, month: tuple[list[SyntheticConversation], Summary]
) -> None:
    def totals() -> set[tuple[object, ...]]:
        with Session(engine) as session:
            rows = session.exec(select(AnalyticsRollup)).all()
            return {
                (r.hour.replace(tzinfo=None), r.metric, r.value, r.count, r.total)
                for r in rows
                if r.count or r.total
            }

    running = totals()
    assert rebuild_totals(engine) > 0
    assert totals() == running
    assert summarise(engine, START, END, ZONE, now=NOW) == month[1]


def test_two_workers_opening_one_conversation_lose_no_turn(engine: Engine) -> None:
    """Each worker read "no conversation yet" before the other committed its first turn."""
    first, second = AnalyticsStore(engine, b"k" * 32), AnalyticsStore(engine, b"k" * 32)
    at = datetime(2026, 11, 9, 2, 0, tzinfo=UTC)
    first.record_turn("s-race", lang="en", intent="oos", outcome=Outcome.answered, at=at)
    # The second worker's view: it does not know the conversation exists, so its insert of
    # the conversation row conflicts and the turn is recorded as a later one.
    second.add_events = _once_as_opening(second, engine)  # type: ignore[method-assign]
    second.record_turn(
        "s-race", lang="en", intent="oos", outcome=Outcome.answered, at=at + timedelta(seconds=1)
    )
    turns = first.turns_of("s-race")
    assert [t.opening for t in turns] == [True, False]
    summary = summarise(engine, START, END, ZONE, now=NOW)
    assert (summary.conversations, summary.turns) == (1, 2)


def _once_as_opening(store: AnalyticsStore, engine: Engine) -> Any:
    """add_events whose first call inserts the conversation row as if it were new."""
    original = store.add_events
    calls: list[int] = []

    def add_events(events: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            with Session(engine) as session:
                event = next(iter(events))
                session.add(
                    AnalyticsSession(id=event.session, started_at=event.at, last_at=event.at)
                )
                session.commit()  # raises: the row is there
        return original(events)

    return add_events
