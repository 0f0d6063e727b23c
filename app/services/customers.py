"""Everything held about one customer: exported in one call, or erased in one call.

Erasure deletes the customer's sessions and their messages (the caller also drops their
checkpoints) and strips the personal fields of their tickets. The tickets themselves stay,
anonymous, so the shop's counts (volume, categories, SLA) remain true.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, or_
from sqlmodel import Session, col, delete, select

from app.db.models import ChatSession, SessionMessage, Ticket, TicketReply, utcnow

ERASED = "[erased]"


@dataclass
class Erasure:
    sessions: list[str] = field(default_factory=list)
    messages: int = 0
    tickets: int = 0
    replies: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "sessions": len(self.sessions),
            "messages": self.messages,
            "tickets": self.tickets,
            "ticket_replies": self.replies,
        }


class CustomerData:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _session_ids(self, session: Session, customer_id: str) -> list[str]:
        return list(
            session.exec(select(ChatSession.id).where(ChatSession.customer_id == customer_id))
        )

    def _tickets(
        self, session: Session, customer_id: str | None, session_ids: list[str]
    ) -> list[Ticket]:
        condition: ColumnElement[bool] = col(Ticket.session_id).in_(session_ids)
        if customer_id is not None:
            condition = or_(condition, col(Ticket.customer_id) == customer_id)
        query = select(Ticket).where(condition)
        return list(session.exec(query.order_by(col(Ticket.id))).all())

    def export(self, customer_id: str) -> dict[str, Any] | None:
        """None when nothing is held about the customer."""
        with Session(self._engine) as session:
            session_ids = self._session_ids(session, customer_id)
            tickets = self._tickets(session, customer_id, session_ids)
            if not session_ids and not tickets:
                return None
            sessions = []
            for chat in session.exec(
                select(ChatSession).where(col(ChatSession.id).in_(session_ids))
            ).all():
                messages = session.exec(
                    select(SessionMessage)
                    .where(SessionMessage.session_id == chat.id)
                    .order_by(col(SessionMessage.id))
                ).all()
                sessions.append(
                    {
                        "id": chat.id,
                        "locale": chat.locale,
                        "created_at": chat.created_at.isoformat(),
                        "messages": [
                            {
                                "role": m.role,
                                "content": m.content,
                                "created_at": m.created_at.isoformat(),
                            }
                            for m in messages
                        ],
                    }
                )
            exported_tickets = []
            for ticket in tickets:
                replies = session.exec(
                    select(TicketReply)
                    .where(TicketReply.ticket_id == ticket.id)
                    .where(col(TicketReply.public).is_(True))
                    .order_by(col(TicketReply.id))
                ).all()
                exported_tickets.append(
                    {
                        "id": ticket.id,
                        "status": ticket.status.value,
                        "summary": ticket.summary,
                        "category": ticket.category,
                        "order_id": ticket.order_id,
                        "created_at": ticket.created_at.isoformat(),
                        "replies": [
                            {"body": r.body, "created_at": r.created_at.isoformat()}
                            for r in replies
                        ],
                    }
                )
            return {
                "customer_id": customer_id,
                "exported_at": utcnow().isoformat(),
                "sessions": sessions,
                "tickets": exported_tickets,
            }

    def erase(self, customer_id: str) -> Erasure:
        with Session(self._engine) as session:
            session_ids = self._session_ids(session, customer_id)
        return self._erase(session_ids, customer_id)

    def sessions_idle_since(self, before: datetime) -> list[str]:
        """Sessions with no activity since ``before`` (for the retention purge)."""
        with Session(self._engine) as session:
            return list(session.exec(select(ChatSession.id).where(ChatSession.updated_at < before)))

    def erase_sessions(self, session_ids: list[str]) -> Erasure:
        """Sessions past retention: as an erasure, limited to these sessions' tickets."""
        return self._erase(session_ids, None)

    def _erase(self, session_ids: list[str], customer_id: str | None) -> Erasure:
        erasure = Erasure(sessions=session_ids)
        with Session(self._engine) as session:
            for ticket in self._tickets(session, customer_id, erasure.sessions):
                replies = session.exec(
                    select(TicketReply).where(TicketReply.ticket_id == ticket.id)
                ).all()
                for reply in replies:
                    reply.body = ERASED
                    session.add(reply)
                erasure.replies += len(replies)
                ticket.summary = ERASED
                ticket.customer_id = None
                ticket.session_id = None
                ticket.order_id = None
                ticket.idempotency_key = None
                ticket.updated_at = utcnow()
                session.add(ticket)
                erasure.tickets += 1
            if erasure.sessions:
                result = session.exec(
                    delete(SessionMessage).where(
                        col(SessionMessage.session_id).in_(erasure.sessions)
                    )
                )
                erasure.messages = int(result.rowcount or 0)
                session.exec(delete(ChatSession).where(col(ChatSession.id).in_(erasure.sessions)))
            session.commit()
        return erasure
