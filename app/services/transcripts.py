"""Sessions and their redacted transcripts in the database."""

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.db.models import ChatSession, SessionMessage, utcnow


class TranscriptStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def touch_session(self, session_id: str, customer_id: str | None, locale: str) -> None:
        with Session(self._engine) as session:
            row = session.get(ChatSession, session_id)
            if row is None:
                row = ChatSession(id=session_id, customer_id=customer_id, locale=locale)
            else:
                row.updated_at = utcnow()
                row.locale = locale
                row.customer_id = row.customer_id or customer_id
            session.add(row)
            session.commit()

    def add_turn(
        self,
        session_id: str,
        question: str,
        answer: str,
        intent: str | None,
        sources: list[dict[str, Any]],
        prompt_version: str | None,
    ) -> None:
        with Session(self._engine) as session:
            session.add(
                SessionMessage(
                    session_id=session_id, role="shopper", content=question, intent=intent
                )
            )
            session.add(
                SessionMessage(
                    session_id=session_id,
                    role="assistant",
                    content=answer,
                    intent=intent,
                    sources=sources,
                    prompt_version=prompt_version[:255] if prompt_version else None,
                )
            )
            session.commit()

    def take_agent_messages(self, session_id: str) -> list[SessionMessage]:
        """Agent messages the session's stream has not shown yet; they count as shown now."""
        with Session(self._engine, expire_on_commit=False) as session:
            row = session.get(ChatSession, session_id)
            if row is None:
                return []
            fresh = list(
                session.exec(
                    select(SessionMessage)
                    .where(SessionMessage.session_id == session_id)
                    .where(SessionMessage.role == "agent")
                    .where(col(SessionMessage.id) > row.agent_cursor)
                    .order_by(col(SessionMessage.id))
                ).all()
            )
            if fresh:
                row.agent_cursor = max(m.id or 0 for m in fresh)
                session.add(row)
                session.commit()
            return fresh

    def exists(self, session_id: str) -> bool:
        with Session(self._engine) as session:
            return session.get(ChatSession, session_id) is not None

    def messages(self, session_id: str, after: int = 0) -> list[SessionMessage]:
        """The session's messages with an id above ``after``, oldest first."""
        with Session(self._engine) as session:
            return list(
                session.exec(
                    select(SessionMessage)
                    .where(SessionMessage.session_id == session_id)
                    .where(col(SessionMessage.id) > after)
                    .order_by(col(SessionMessage.id))
                ).all()
            )
