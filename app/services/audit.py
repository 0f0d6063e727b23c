"""The audit log: who read, exported or erased what. Entries are only ever added; the
migration installs triggers that make the database itself refuse updates and deletes."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.db.models import ApiKey, AuditEvent


def actor_of(key: ApiKey) -> str:
    """How an API key appears in the log: its role, name and id (never the key)."""
    return f"{key.role.value}:{key.name or '-'}:{key.id}"


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self, actor: str, action: str, subject: str = "", detail: dict[str, Any] | None = None
    ) -> AuditEvent:
        with Session(self._engine, expire_on_commit=False) as session:
            event = AuditEvent(actor=actor, action=action, subject=subject, detail=detail or {})
            session.add(event)
            session.commit()
            return event

    def events(
        self,
        *,
        action: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[AuditEvent]:
        query = select(AuditEvent)
        if action:
            query = query.where(AuditEvent.action == action)
        if subject:
            query = query.where(AuditEvent.subject == subject)
        if since:
            query = query.where(AuditEvent.at >= since)
        with Session(self._engine) as session:
            return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all())
