"""The ticket lifecycle: creation (idempotent), assignment, status transitions, SLA clocks,
replies (a public one reaches the shopper's session) and the redacted transcript."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.db.models import (
    SessionMessage,
    Ticket,
    TicketPriority,
    TicketReply,
    TicketStatus,
    utcnow,
)
from app.services.webhooks import WebhookOutbox
from graphs.chat.context import OpenedTicket

# Which status may follow which; reopening a resolved or closed ticket returns it to `open`.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.open: frozenset(
        {TicketStatus.pending, TicketStatus.resolved, TicketStatus.closed}
    ),
    TicketStatus.pending: frozenset(
        {TicketStatus.open, TicketStatus.resolved, TicketStatus.closed}
    ),
    TicketStatus.resolved: frozenset({TicketStatus.open, TicketStatus.closed}),
    TicketStatus.closed: frozenset({TicketStatus.open}),
}


@dataclass(frozen=True)
class QueueFigures:
    tickets: Mapping[tuple[str, str], int]  # (status, priority) -> tickets
    overdue: Mapping[str, int]  # SLA clock -> active tickets past its deadline


class TicketNotFound(LookupError):
    pass


class InvalidTransition(ValueError):
    def __init__(self, current: TicketStatus, wanted: TicketStatus) -> None:
        super().__init__(f"{current.value} -> {wanted.value}")
        self.current = current
        self.wanted = wanted


@dataclass(frozen=True)
class SlaPolicy:
    """Minutes to first response and to resolution, per priority."""

    first_response: Mapping[str, int]
    resolution: Mapping[str, int]

    def due(self, priority: TicketPriority, start: datetime) -> tuple[datetime, datetime]:
        return (
            start + timedelta(minutes=self.first_response[priority.value]),
            start + timedelta(minutes=self.resolution[priority.value]),
        )


@dataclass(frozen=True)
class NewTicket:
    summary: str
    category: str = "general"
    priority: TicketPriority = TicketPriority.normal
    session_id: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    idempotency_key: str | None = None


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def sla_view(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    first_due, resolution_due = _aware(ticket.first_response_due), _aware(ticket.resolution_due)
    responded = _aware(ticket.first_responded_at) if ticket.first_responded_at else None
    resolved = _aware(ticket.resolved_at) if ticket.resolved_at else None
    return {
        "first_response_due": first_due.isoformat(),
        "resolution_due": resolution_due.isoformat(),
        "first_response_breached": (responded or now) > first_due,
        "resolution_breached": (resolved or now) > resolution_due,
        "first_responded_at": responded.isoformat() if responded else None,
        "resolved_at": resolved.isoformat() if resolved else None,
    }


class TicketDeskAdapter:
    """The chat graph's TicketDesk, on top of the ticket service."""

    def __init__(self, service: "TicketService") -> None:
        self._service = service

    def open_ticket(
        self,
        *,
        session_id: str,
        summary: str,
        category: str,
        priority: str,
        idempotency_key: str,
        customer_id: str | None = None,
        order_id: str | None = None,
    ) -> OpenedTicket:
        ticket, created = self._service.hand_over(
            NewTicket(
                summary=summary,
                category=category,
                priority=TicketPriority(priority),
                session_id=session_id,
                customer_id=customer_id,
                order_id=order_id,
                idempotency_key=idempotency_key,
            )
        )
        assert ticket.id is not None
        return OpenedTicket(ticket.id, ticket.status.value, created)


PRIORITY_RANK = {p: i for i, p in enumerate(TicketPriority)}
ACTIVE = (TicketStatus.open, TicketStatus.pending)
ASSISTANT_AUTHOR = "assistant"


class TicketService:
    def __init__(self, engine: Engine, sla: SlaPolicy, outbox: WebhookOutbox | None = None) -> None:
        self._engine = engine
        self._sla = sla
        self._outbox = outbox or WebhookOutbox(urls=())

    def hand_over(self, new: NewTicket) -> tuple[Ticket, bool]:
        """A hand-over from the chat: the session's active ticket gets the new request as an
        internal note (and the higher priority), else a new ticket is opened."""
        if new.idempotency_key and (found := self._by_key(new.idempotency_key)) is not None:
            return found, True  # a retried turn: the ticket that turn created
        active = self._active_for_session(new.session_id) if new.session_id else None
        if active is None:
            return self.create(new)
        with Session(self._engine) as session:
            ticket = session.get(Ticket, active.id)
            assert ticket is not None
            now = utcnow()
            changes = ["note"]
            session.add(
                TicketReply(
                    ticket_id=ticket.id or 0,
                    author=ASSISTANT_AUTHOR,
                    body=new.summary,
                    public=False,
                    created_at=now,
                )
            )
            if PRIORITY_RANK[new.priority] > PRIORITY_RANK[ticket.priority]:
                self._set_priority(ticket, new.priority)
                changes.append("priority")
            if ticket.status is TicketStatus.pending:  # the shopper wrote: agents' turn again
                ticket.status = TicketStatus.open
                changes.append("status")
            ticket.order_id = ticket.order_id or new.order_id
            ticket.updated_at = now
            session.add(ticket)
            self._outbox.add(session, "ticket.updated", ticket, changes)
            session.commit()
            session.refresh(ticket)
            return ticket, False

    def _active_for_session(self, session_id: str) -> Ticket | None:
        with Session(self._engine) as session:
            return session.exec(
                select(Ticket)
                .where(Ticket.session_id == session_id)
                .where(col(Ticket.status).in_(ACTIVE))
                .order_by(col(Ticket.id).desc())
            ).first()

    def for_session(self, session_id: str) -> list[Ticket]:
        """A chat session's tickets, the newest first (the shopper's widget shows their status)."""
        with Session(self._engine) as session:
            return list(
                session.exec(
                    select(Ticket)
                    .where(Ticket.session_id == session_id)
                    .order_by(col(Ticket.id).desc())
                ).all()
            )

    def _set_priority(self, ticket: Ticket, priority: TicketPriority) -> None:
        ticket.priority = priority
        ticket.first_response_due, ticket.resolution_due = self._sla.due(
            priority, _aware(ticket.created_at)
        )

    def create(self, new: NewTicket) -> tuple[Ticket, bool]:
        """The ticket and whether it was created; a repeated idempotency key returns the first."""
        if new.idempotency_key and (found := self._by_key(new.idempotency_key)) is not None:
            return found, False
        now = utcnow()
        first_due, resolution_due = self._sla.due(new.priority, now)
        ticket = Ticket(
            summary=new.summary,
            category=new.category,
            priority=new.priority,
            session_id=new.session_id,
            customer_id=new.customer_id,
            order_id=new.order_id,
            idempotency_key=new.idempotency_key,
            created_at=now,
            updated_at=now,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        with Session(self._engine) as session:
            session.add(ticket)
            try:
                self._outbox.add(session, "ticket.created", ticket, ["created"])
                session.commit()
            except IntegrityError:  # the same key raced in: the other request's ticket wins
                session.rollback()
                found = self._by_key(new.idempotency_key or "")
                if found is None:
                    raise
                return found, False
            session.refresh(ticket)
            return ticket, True

    def _by_key(self, key: str) -> Ticket | None:
        with Session(self._engine) as session:
            return session.exec(select(Ticket).where(Ticket.idempotency_key == key)).first()

    def get(self, ticket_id: int) -> Ticket:
        with Session(self._engine) as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            return ticket

    def find(
        self, status: TicketStatus | None = None, assignee: str | None = None, limit: int = 200
    ) -> list[Ticket]:
        query = select(Ticket)
        if status is not None:
            query = query.where(Ticket.status == status)
        if assignee is not None:
            query = query.where(Ticket.assignee == assignee)
        with Session(self._engine) as session:
            return list(session.exec(query.order_by(Ticket.id.desc()).limit(limit)).all())  # type: ignore[union-attr]

    def queue_figures(self, now: datetime | None = None) -> "QueueFigures":
        """Tickets by status and priority, and the active ones past an SLA deadline, for the
        metrics (counted in the database, so every worker reports the same)."""
        now = now or utcnow()
        active = col(Ticket.status).in_([TicketStatus.open, TicketStatus.pending])
        with Session(self._engine) as session:
            by_status = session.exec(
                select(Ticket.status, Ticket.priority, func.count()).group_by(
                    Ticket.status, Ticket.priority
                )
            ).all()
            first_late = session.exec(
                select(func.count()).where(
                    active,
                    col(Ticket.first_responded_at).is_(None),
                    col(Ticket.first_response_due) < now,
                )
            ).one()
            resolution_late = session.exec(
                select(func.count()).where(active, col(Ticket.resolution_due) < now)
            ).one()
        return QueueFigures(
            {
                (TicketStatus(status).value, TicketPriority(priority).value): count
                for status, priority, count in by_status
            },
            {"first_response": first_late, "resolution": resolution_late},
        )

    def update(
        self,
        ticket_id: int,
        *,
        status: TicketStatus | None = None,
        assignee: str | None = None,
        priority: TicketPriority | None = None,
        unassign: bool = False,
    ) -> Ticket:
        with Session(self._engine) as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            now = utcnow()
            changes = []
            if status is not None and status != ticket.status:
                if status not in TRANSITIONS[ticket.status]:
                    raise InvalidTransition(ticket.status, status)
                ticket.status = status
                changes.append("status")
                if status is TicketStatus.resolved:
                    ticket.resolved_at = now
                elif status is TicketStatus.open:
                    ticket.resolved_at = None  # reopened: the resolution clock runs again
            if (assignee is not None or unassign) and assignee != ticket.assignee:
                ticket.assignee = assignee
                changes.append("assignee")
            if priority is not None and priority != ticket.priority:
                self._set_priority(ticket, priority)
                changes.append("priority")
            ticket.updated_at = now
            session.add(ticket)
            if changes:
                self._outbox.add(session, "ticket.updated", ticket, changes)
            session.commit()
            session.refresh(ticket)
            return ticket

    def reply(self, ticket_id: int, author: str, body: str, public: bool) -> TicketReply:
        """Add a reply; a public one is the first response and reaches the shopper's session."""
        with Session(self._engine) as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            now = utcnow()
            reply = TicketReply(
                ticket_id=ticket_id, author=author, body=body, public=public, created_at=now
            )
            session.add(reply)
            if public:
                if ticket.first_responded_at is None:
                    ticket.first_responded_at = now
                if ticket.session_id:
                    session.add(
                        SessionMessage(
                            session_id=ticket.session_id, role="agent", content=body, created_at=now
                        )
                    )
            ticket.updated_at = now
            session.add(ticket)
            change = "public_reply" if public else "internal_note"
            self._outbox.add(session, "ticket.updated", ticket, [change])
            session.commit()
            session.refresh(reply)
            return reply

    def replies(self, ticket_id: int) -> list[TicketReply]:
        with Session(self._engine) as session:
            return list(
                session.exec(
                    select(TicketReply)
                    .where(TicketReply.ticket_id == ticket_id)
                    .order_by(TicketReply.id)  # type: ignore[arg-type]
                ).all()
            )
