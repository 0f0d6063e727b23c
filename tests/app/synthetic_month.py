"""A deterministic synthetic month of conversations, tickets and ratings for analytics tests.

Conversations start from two days before the month to one day after it, at local hours
weighted towards the evening, so that the month's edges (a conversation that starts on the
last evening of the previous month and goes on past midnight) are exercised. Everything is
written through the product's own recording path.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from app.analytics.model import Outcome
from app.analytics.store import AnalyticsStore
from app.db.models import Ticket, TicketPriority, TicketStatus

INTENTS = (
    "track_order",
    "check_refund_policy",
    "delivery_options",
    "get_invoice",
    "payment_issue",
    "complaint",
    "contact_human_agent",
    "oos",
)
OUTCOMES = (
    (Outcome.answered, 55),
    (Outcome.abstained, 12),
    (Outcome.clarified, 5),
    (Outcome.escalated, 6),
    (Outcome.order, 10),
    (Outcome.smalltalk, 12),
)
# Questions the bot cannot answer, with spellings that are the same gap once normalised.
GAP_QUESTIONS = (
    ("Do you gift wrap?", "en"),
    ("do you gift wrap", "en"),
    ("Can I pick up in Hangzhou?", "en"),
    ("能代收快递吗？", "zh"),
    ("能代收快递吗", "zh"),
    ("有没有批发价", "zh"),
    ("Is the Aurora lamp dimmable?", "en"),
    ("台灯有粉色的吗？", "zh"),
)
CATEGORIES = ("complaint", "refund", "payment", "general")
HOUR_WEIGHTS = [1] * 8 + [3] * 4 + [4] * 6 + [6] * 5 + [2]  # 24 local hours


@dataclass
class SyntheticTurn:
    at: datetime  # UTC
    intent: str
    outcome: Outcome
    first_token_ms: int | None
    question: str


@dataclass
class SyntheticTicket:
    id: int
    created_at: datetime
    category: str
    status: TicketStatus
    first_response_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None


@dataclass
class SyntheticConversation:
    session_id: str
    lang: str
    turns: list[SyntheticTurn] = field(default_factory=list)
    rating: int | None = None
    ticket: SyntheticTicket | None = None


def generate(
    year: int, month: int, zone: ZoneInfo, *, conversations: int = 240, seed: int = 20261101
) -> list[SyntheticConversation]:
    rng = random.Random(seed)
    first = date(year, month, 1)
    span_start = first - timedelta(days=2)
    span_days = 2 + 31 + 1
    made: list[SyntheticConversation] = []
    next_ticket = 5000
    for number in range(conversations):
        day = span_start + timedelta(days=rng.randrange(span_days))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), zone)
        at = local.astimezone(UTC)
        conversation = SyntheticConversation(f"synthetic-{seed}-{number}", rng.choice(("zh", "en")))
        for _ in range(rng.randint(1, 5)):
            outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
            question = ""
            if outcome is Outcome.abstained:
                asked = [q for q, lang in GAP_QUESTIONS if lang == conversation.lang]
                question = rng.choices(asked, weights=range(len(asked), 0, -1))[0]
            timed = outcome not in (Outcome.error,) and rng.random() < 0.9
            conversation.turns.append(
                SyntheticTurn(
                    at=at,
                    intent=rng.choice(INTENTS),
                    outcome=outcome,
                    first_token_ms=rng.randint(80, 4000) if timed else None,
                    question=question,
                )
            )
            if outcome is Outcome.escalated and conversation.ticket is None:
                conversation.ticket = _ticket(rng, next_ticket, at)
                next_ticket += 1
            at += timedelta(seconds=rng.randint(5, 900))
        if rng.random() < 0.6:
            conversation.rating = rng.choices(range(1, 6), weights=(1, 1, 2, 4, 6))[0]
        made.append(conversation)
    return made


def _ticket(rng: random.Random, number: int, created: datetime) -> SyntheticTicket:
    status = rng.choice(list(TicketStatus))
    responded = created + timedelta(minutes=rng.randint(3, 600)) if rng.random() < 0.8 else None
    resolved = None
    if status in (TicketStatus.resolved, TicketStatus.closed):
        resolved = (responded or created) + timedelta(minutes=rng.randint(10, 3000))
    return SyntheticTicket(
        id=number,
        created_at=created,
        category=rng.choice(CATEGORIES),
        status=status,
        first_response_due=created + timedelta(hours=4),
        resolution_due=created + timedelta(hours=24),
        first_responded_at=responded,
        resolved_at=resolved,
    )


def write(
    engine: Engine, store: AnalyticsStore, conversations: list[SyntheticConversation]
) -> None:
    """Tickets as the ticket desk stores them; turns and ratings through the analytics
    store."""
    with Session(engine) as session:
        for conversation in conversations:
            ticket = conversation.ticket
            if ticket is None:
                continue
            session.add(
                Ticket(
                    id=ticket.id,
                    summary="synthetic",
                    category=ticket.category,
                    priority=TicketPriority.normal,
                    status=ticket.status,
                    created_at=ticket.created_at,
                    updated_at=ticket.created_at,
                    first_response_due=ticket.first_response_due,
                    resolution_due=ticket.resolution_due,
                    first_responded_at=ticket.first_responded_at,
                    resolved_at=ticket.resolved_at,
                )
            )
        session.commit()
    for conversation in conversations:
        for turn in conversation.turns:
            ticket_id = None
            if turn.outcome is Outcome.escalated and conversation.ticket is not None:
                ticket_id = conversation.ticket.id
            store.record_turn(
                conversation.session_id,
                lang=conversation.lang,
                intent=turn.intent,
                outcome=turn.outcome,
                question=turn.question,
                first_token_ms=turn.first_token_ms,
                turn_ms=(turn.first_token_ms or 0) + 500,
                ticket_id=ticket_id,
                at=turn.at,
            )
        if conversation.rating is not None:
            store.record_feedback(conversation.session_id, conversation.rating, None)
