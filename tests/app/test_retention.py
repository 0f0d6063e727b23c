"""The retention purge forgets idle sessions everywhere and keeps the recent ones."""

from datetime import timedelta

from cryptography.fernet import Fernet
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import Engine
from sqlmodel import Session

from app.db.models import ChatSession, utcnow
from app.services.audit import AuditLog
from app.services.retention import purge_expired
from app.services.transcripts import TranscriptStore
from app.services.vault import PseudonymVault
from graphs.chat.graph import build_chat_graph


async def test_idle_sessions_are_forgotten_everywhere(engine: Engine) -> None:
    transcripts = TranscriptStore(engine)
    vault = PseudonymVault(engine, Fernet.generate_key())
    saver = InMemorySaver()
    graph = build_chat_graph(saver)
    for session_id in ("old", "new"):
        transcripts.touch_session(session_id, None, "en")
        transcripts.add_turn(session_id, "[PHONE:x] hi", "Hello!", None, [], None)
        vault.pseudonymise("PHONE", "13912345678", session_id)
        await graph.aupdate_state(
            {"configurable": {"thread_id": session_id}}, {"question": "hi"}, as_node="redact_input"
        )
    with Session(engine) as session:
        old = session.get(ChatSession, "old")
        assert old is not None
        old.updated_at = utcnow() - timedelta(days=31)
        session.add(old)
        session.commit()

    counts = await purge_expired(engine, saver, vault, retention_days=30)

    assert counts == {
        "sessions": 1,
        "messages": 2,
        "tickets": 0,
        "ticket_replies": 0,
        "vault_entries": 1,
    }
    assert not transcripts.exists("old") and transcripts.exists("new")
    assert await saver.aget_tuple({"configurable": {"thread_id": "old"}}) is None
    assert await saver.aget_tuple({"configurable": {"thread_id": "new"}}) is not None
    assert len(vault.for_sessions(["new"])) == 1 and vault.for_sessions(["old"]) == []
    [event] = AuditLog(engine).events(action="retention.purge")
    assert event.actor == "system:retention" and event.detail["sessions"] == 1
    assert (await purge_expired(engine, saver, vault, retention_days=30))["sessions"] == 0
