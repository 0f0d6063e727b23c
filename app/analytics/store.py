"""The analytics record: one row per turn and one per conversation, pseudonymous and redacted.

A conversation is known by a keyed hash of its session id, so the record cannot be joined to
a customer without the key, and erasure can still find (and blank) its texts.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, String, cast, delete, func, insert, join, literal, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.analytics.model import Outcome, TurnEvent
from app.db.models import AnalyticsRollup, AnalyticsSession, AnalyticsTurn

QUESTION_MAX_CHARS = 300
COMMENT_MAX_CHARS = 2000
_SPACES = re.compile(r"\s+")


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def gap_text(question: str) -> str:
    """A question as the knowledge gaps group it: one line, trimmed, English lower-cased, the
    closing punctuation dropped ("Gift wrap?" and "gift wrap" are the same gap)."""
    text = _SPACES.sub(" ", question).strip().rstrip("?？!！.。~～ ")
    return text.lower()[:QUESTION_MAX_CHARS]


class AnalyticsStore:
    def __init__(self, engine: Engine, key: bytes) -> None:
        self._engine = engine
        self._key = hmac.new(key, b"kefu analytics pseudonyms", hashlib.sha256).digest()

    def pseudonym(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()[:32]

    def record_turn(
        self,
        session_id: str,
        *,
        lang: str,
        intent: str,
        outcome: Outcome,
        question: str = "",
        first_token_ms: int | None = None,
        turn_ms: int | None = None,
        ticket_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """Count a finished turn. ``question`` must already be redacted; it is kept only when
        the bot could not answer it."""
        event = TurnEvent(
            session=self.pseudonym(session_id),
            at=at or datetime.now(UTC),
            lang=lang,
            intent=intent,
            outcome=outcome,
            first_token_ms=first_token_ms,
            turn_ms=turn_ms,
            question=gap_text(question) if outcome is Outcome.abstained and question else None,
            ticket_id=ticket_id,
        )
        try:
            self.add_events([event])
        except IntegrityError:
            # Another worker opened the same conversation a moment earlier: this turn is not
            # its opening one after all.
            self.add_events([event])

    def add_events(self, events: Iterable[TurnEvent]) -> int:
        """Store turn events (already pseudonymous) in one transaction: their rows, their
        conversations, and the hourly totals."""
        added = 0
        totals = Totals()
        with Session(self._engine) as session:
            conversations: dict[str, AnalyticsSession] = {}
            for event in events:
                conversation = conversations.get(event.session) or session.get(
                    AnalyticsSession, event.session
                )
                opening = conversation is None
                if conversation is None:
                    conversation = AnalyticsSession(
                        id=event.session, started_at=event.at, last_at=event.at, lang=event.lang
                    )
                conversations[event.session] = conversation
                _count_turn(conversation, event, opening, totals)
                session.add(conversation)
                session.add(_turn_row(event, opening))
                added += 1
            session.flush()
            add_totals(session, totals)
            session.commit()
        return added

    def record_feedback(self, session_id: str, rating: int, comment: str | None) -> str | None:
        """The shopper's rating of a conversation (the last one counts). Returns the
        conversation's language, or None when analytics has no turn of that session."""
        with Session(self._engine) as session:
            conversation = session.get(AnalyticsSession, self.pseudonym(session_id))
            if conversation is None:
                return None
            totals = Totals()
            start = hour_of(conversation.started_at)
            if conversation.rating is not None:
                totals.add(start, "rating", str(conversation.rating), count=-1)
            totals.add(start, "rating", str(rating))
            conversation.rating = rating
            conversation.comment = comment[:COMMENT_MAX_CHARS] if comment else None
            conversation.rated_at = datetime.now(UTC)
            session.add(conversation)
            add_totals(session, totals)
            session.commit()
            return conversation.lang

    def rated(self, session_id: str) -> bool:
        with Session(self._engine) as session:
            conversation = session.get(AnalyticsSession, self.pseudonym(session_id))
            return conversation is not None and conversation.rating is not None

    def forget(self, session_ids: Iterable[str]) -> int:
        """Blank the texts of these sessions (erasure); their counts stay, as no one can be
        told from them."""
        pseudonyms = [self.pseudonym(s) for s in session_ids]
        if not pseudonyms:
            return 0
        with Session(self._engine) as session:
            session.execute(
                update(AnalyticsTurn)
                .where(col(AnalyticsTurn.session).in_(pseudonyms))
                .values(question=None)
            )
            forgotten = session.execute(
                update(AnalyticsSession)
                .where(col(AnalyticsSession.id).in_(pseudonyms))
                .values(comment=None)
            )
            session.commit()
            return int(forgotten.rowcount or 0)  # type: ignore[attr-defined]

    def turns_of(self, session_id: str) -> list[AnalyticsTurn]:
        with Session(self._engine) as session:
            return list(
                session.exec(
                    select(AnalyticsTurn)
                    .where(AnalyticsTurn.session == self.pseudonym(session_id))
                    .order_by(col(AnalyticsTurn.id))
                )
            )


def _count_turn(
    conversation: AnalyticsSession, event: TurnEvent, opening: bool, totals: "Totals"
) -> None:
    hour, start = hour_of(event.at), hour_of(conversation.started_at)
    totals.add(hour, "turns", "")
    totals.add(hour, "intent", event.intent)
    totals.add(hour, "outcome", event.outcome.value)
    if event.first_token_ms is not None:
        totals.add(hour, "first_token", "", total=event.first_token_ms)
    if opening:
        totals.add(start, "conversations", conversation.lang)
    if event.at > conversation.last_at:
        conversation.last_at = event.at
    seconds = int((conversation.last_at - conversation.started_at).total_seconds())
    if seconds != conversation.seconds:
        totals.add(start, "seconds", "", count=0, total=seconds - conversation.seconds)
        conversation.seconds = seconds
    conversation.turns += 1
    if event.outcome is Outcome.abstained:
        conversation.abstained += 1
    if event.ticket_id is not None and conversation.ticket_id is None:
        conversation.ticket_id = event.ticket_id
        totals.add(start, "escalated", "")


class Totals:
    """Changes to the hourly totals, summed before they are written."""

    def __init__(self) -> None:
        self.changes: dict[tuple[datetime, str, str], list[int]] = {}

    def add(self, hour: datetime, metric: str, value: str, count: int = 1, total: int = 0) -> None:
        change = self.changes.setdefault((hour, metric, value[:64]), [0, 0])
        change[0] += count
        change[1] += total


def add_totals(session: Session, totals: Totals) -> None:
    """Add the changes to the stored totals, in one statement per dialect's upsert."""
    if not totals.changes:
        return
    rows = [
        {"hour": hour, "metric": metric, "value": value, "count": count, "total": total}
        for (hour, metric, value), (count, total) in totals.changes.items()
    ]
    dialect = session.get_bind().dialect.name
    upsert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(AnalyticsRollup)
    table = AnalyticsRollup.__table__.c  # type: ignore[attr-defined]
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["hour", "metric", "value"],
            set_={
                "count": table.count + upsert.excluded.count,
                "total": table.total + upsert.excluded.total,
            },
        ),
        rows,
    )


def _turn_row(event: TurnEvent, opening: bool) -> AnalyticsTurn:
    return AnalyticsTurn(
        session=event.session,
        at=event.at,
        hour=hour_of(event.at),
        lang=event.lang,
        intent=event.intent,
        outcome=event.outcome.value,
        opening=opening,
        first_token_ms=event.first_token_ms,
        turn_ms=event.turn_ms,
        question=event.question,
    )


def rebuild_totals(engine: Engine) -> int:
    """Recompute every hourly total from the stored turns and conversations (after a bulk
    import, or to check the running totals); returns the number of total rows."""
    turn, conversation, rollup = AnalyticsTurn, AnalyticsSession, AnalyticsRollup
    opening = (
        core_select(col(turn.hour), col(turn.session))
        .where(col(turn.opening).is_(True))
        .subquery("opening")
    )
    started = join(conversation, opening, col(conversation.id) == opening.c.session)
    per_turn = [
        _grouped(col(turn.hour), "turns", literal(""), func.count(), literal(0)),
        _grouped(col(turn.hour), "intent", col(turn.intent), func.count(), literal(0)),
        _grouped(col(turn.hour), "outcome", col(turn.outcome), func.count(), literal(0)),
        _grouped(
            col(turn.hour),
            "first_token",
            literal(""),
            func.count(),
            func.sum(col(turn.first_token_ms)),
            where=col(turn.first_token_ms).is_not(None),
        ),
    ]
    per_conversation = [
        _grouped(opening.c.hour, "conversations", col(conversation.lang), func.count(), literal(0)),
        _grouped(
            opening.c.hour, "seconds", literal(""), literal(0), func.sum(conversation.seconds)
        ),
        _grouped(
            opening.c.hour,
            "escalated",
            literal(""),
            func.count(),
            literal(0),
            where=col(conversation.ticket_id).is_not(None),
        ),
        _grouped(
            opening.c.hour,
            "rating",
            cast(col(conversation.rating), String),
            func.count(),
            literal(0),
            where=col(conversation.rating).is_not(None),
        ),
    ]
    names = ["hour", "metric", "value", "count", "total"]
    with Session(engine) as session:
        session.execute(delete(rollup))
        for query in per_turn:
            session.execute(insert(rollup).from_select(names, query.select_from(turn)))
        for query in per_conversation:
            session.execute(insert(rollup).from_select(names, query.select_from(started)))
        session.commit()
        return int(session.execute(core_select(func.count()).select_from(rollup)).scalar_one())


def _grouped(hour: Any, metric: str, value: Any, count: Any, total: Any, where: Any = None) -> Any:
    query = core_select(hour, literal(metric), value, count, func.coalesce(total, 0)).group_by(
        hour, value
    )
    return query.where(where) if where is not None else query
