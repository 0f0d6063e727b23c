"""SQLModel tables. Text about shoppers is stored redacted."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlalchemy import Enum as SqlEnum
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Role(StrEnum):
    agent = "agent"
    staff = "staff"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(default="", max_length=120)
    role: Role = Field(
        sa_column=Column(SqlEnum(Role, native_enum=False, length=16), nullable=False)
    )
    key_hash: str = Field(index=True, unique=True, max_length=64)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class Document(SQLModel, table=True):
    __tablename__ = "documents"

    id: str = Field(primary_key=True, max_length=32)
    filename: str = Field(index=True, unique=True, max_length=255)
    title: str = Field(default="", max_length=500)
    lang: str = Field(default="", max_length=8)
    content_hash: str = Field(max_length=64)
    size_bytes: int = 0
    chunks: int = 0
    status: str = Field(default="ready", max_length=16)
    # Personal data found in the upload, by type: flagged for staff, not removed.
    personal_data: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON))
    # 1 on upload, +1 each time the file's content changes.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChatSession(SQLModel, table=True):
    __tablename__ = "chat_sessions"

    id: str = Field(primary_key=True, max_length=64)
    customer_id: str | None = Field(default=None, index=True, max_length=128)
    locale: str = Field(default="en", max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The last agent message already sent on the session's stream.
    agent_cursor: int = 0


class SessionMessage(SQLModel, table=True):
    """One message of a session's transcript: shopper, assistant or agent; always redacted."""

    __tablename__ = "session_messages"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="chat_sessions.id", index=True, max_length=64)
    role: str = Field(max_length=16)
    content: str
    intent: str | None = Field(default=None, max_length=64)
    sources: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON))
    prompt_version: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class TicketStatus(StrEnum):
    open = "open"
    pending = "pending"
    resolved = "resolved"
    closed = "closed"


class TicketPriority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Ticket(SQLModel, table=True):
    """A hand-over to people. Text fields hold redacted text only."""

    __tablename__ = "tickets"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str | None = Field(default=None, index=True, max_length=64)
    customer_id: str | None = Field(default=None, index=True, max_length=128)
    summary: str = Field(max_length=2000)
    category: str = Field(default="general", max_length=64)
    priority: TicketPriority = Field(
        default=TicketPriority.normal,
        sa_column=Column(SqlEnum(TicketPriority, native_enum=False, length=16), nullable=False),
    )
    status: TicketStatus = Field(
        default=TicketStatus.open,
        sa_column=Column(SqlEnum(TicketStatus, native_enum=False, length=16), nullable=False),
    )
    assignee: str | None = Field(default=None, index=True, max_length=120)
    order_id: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    first_response_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None


class TicketReply(SQLModel, table=True):
    __tablename__ = "ticket_replies"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    author: str = Field(max_length=120)
    body: str
    public: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(SQLModel, table=True):
    """One webhook event for one receiver: the outbox row and its delivery log at once."""

    __tablename__ = "webhook_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=64)
    url: str = Field(max_length=2000)
    payload: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending,
        sa_column=Column(
            SqlEnum(DeliveryStatus, native_enum=False, length=16), nullable=False, index=True
        ),
    )
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    locked_until: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Who read, exported or erased what. Append-only: the database refuses changes."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=160)
    action: str = Field(index=True, max_length=64)
    subject: str = Field(default="", index=True, max_length=160)
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))


class VaultEntry(SQLModel, table=True):
    """A pseudonymised value: its token in the text, the original encrypted at rest."""

    __tablename__ = "pii_vault"

    token: str = Field(primary_key=True, max_length=48)
    entity: str = Field(max_length=32)
    ciphertext: str
    session_id: str | None = Field(default=None, index=True, max_length=64)
    customer_id: str | None = Field(default=None, index=True, max_length=128)
    created_at: datetime = Field(default_factory=utcnow)


class AnalyticsSession(SQLModel, table=True):
    """A conversation as analytics counts it: pseudonymous, with no customer id and no text
    but the shopper's (redacted) feedback comment."""

    __tablename__ = "analytics_sessions"
    __table_args__ = (
        # The tickets of a period's conversations, read from the index alone.
        Index("ix_analytics_sessions_started_ticket", "started_at", "ticket_id"),
    )

    id: str = Field(primary_key=True, max_length=64)  # keyed hash of the session id
    started_at: datetime
    last_at: datetime
    lang: str = Field(default="en", max_length=8)
    seconds: int = 0  # from the first turn to the last
    turns: int = 0
    abstained: int = 0  # turns the bot could not answer
    ticket_id: int | None = None  # the first ticket the conversation opened
    rating: int | None = None  # 1..5, the last one given
    comment: str | None = Field(default=None, max_length=2000)
    rated_at: datetime | None = None


class AnalyticsTurn(SQLModel, table=True):
    """One turn: its intent and outcome, timings, and (only when the bot abstained) the
    redacted question, for the knowledge gaps."""

    __tablename__ = "analytics_turns"
    __table_args__ = (
        # Covers the summary's one scan: counts and latency per hour, language, intent, outcome.
        Index(
            "ix_analytics_turns_rollup",
            *("hour", "lang", "intent", "outcome", "opening", "first_token_ms"),
        ),
        # The knowledge gaps: abstained questions of a period, read from the index alone.
        Index("ix_analytics_turns_gaps", "outcome", "hour", "question"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session: str = Field(index=True, max_length=64)
    at: datetime
    hour: datetime  # ``at`` truncated to the hour (UTC)
    lang: str = Field(max_length=8)
    intent: str = Field(max_length=64)
    outcome: str = Field(max_length=16)
    opening: bool = False  # the conversation's first turn
    first_token_ms: int | None = None
    turn_ms: int | None = None
    question: str | None = Field(default=None, max_length=2000)


class AnalyticsRollup(SQLModel, table=True):
    """Running totals per UTC hour, kept with every recorded turn, so a period's summary reads
    a few thousand rows however many turns it had. ``metric`` is one of: turns, intent,
    outcome, first_token (count and total ms), conversations (by language, at the hour the
    conversation started), seconds, escalated and rating (by value, at that same hour)."""

    __tablename__ = "analytics_rollups"

    hour: datetime = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True, max_length=64)
    count: int = 0
    total: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
