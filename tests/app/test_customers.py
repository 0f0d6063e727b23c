"""A customer's data exported and erased, and the audit log that refuses changes (SQLite and
PostgreSQL)."""

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.services.audit import AuditLog
from app.services.customers import ERASED, CustomerData
from app.services.tickets import NewTicket, SlaPolicy, TicketService
from app.services.transcripts import TranscriptStore

SLA = SlaPolicy(
    {"urgent": 15, "high": 60, "normal": 240, "low": 1440},
    {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080},
)


def seed(engine: Engine) -> int:
    transcripts = TranscriptStore(engine)
    transcripts.touch_session("s-c1", "cust-1", "zh")
    transcripts.add_turn("s-c1", "我叫[PERSON]，灯坏了", "已为您转人工", "complaint", [], None)
    transcripts.touch_session("s-other", "cust-2", "en")
    transcripts.add_turn("s-other", "hello", "Hi!", None, [], None)
    tickets = TicketService(engine, SLA)
    ticket, _ = tickets.create(
        NewTicket(
            summary="台灯损坏", session_id="s-c1", customer_id="cust-1", order_id="LM20261002"
        )
    )
    assert ticket.id is not None
    tickets.reply(ticket.id, "li.na", "已补发", public=True)
    tickets.reply(ticket.id, "li.na", "内部备注", public=False)
    return ticket.id


def test_export_holds_everything_about_the_customer_and_nothing_else(engine: Engine) -> None:
    ticket_id = seed(engine)
    exported = CustomerData(engine).export("cust-1")
    assert exported is not None
    assert [s["id"] for s in exported["sessions"]] == ["s-c1"]
    assert [m["content"] for m in exported["sessions"][0]["messages"]] == [
        "我叫[PERSON]，灯坏了",
        "已为您转人工",
        "已补发",
    ]
    [ticket] = exported["tickets"]
    assert ticket["id"] == ticket_id and ticket["order_id"] == "LM20261002"
    assert [r["body"] for r in ticket["replies"]] == ["已补发"]  # internal notes stay internal
    assert CustomerData(engine).export("nobody") is None


def test_erasure_removes_sessions_and_anonymises_tickets(engine: Engine) -> None:
    ticket_id = seed(engine)
    erasure = CustomerData(engine).erase("cust-1")
    assert erasure.sessions == ["s-c1"]
    assert erasure.counts() == {"sessions": 1, "messages": 3, "tickets": 1, "ticket_replies": 2}
    transcripts = TranscriptStore(engine)
    assert not transcripts.exists("s-c1") and transcripts.messages("s-c1") == []
    assert transcripts.exists("s-other")  # another customer keeps everything
    ticket = TicketService(engine, SLA).get(ticket_id)
    assert ticket.summary == ERASED and ticket.customer_id is None and ticket.session_id is None
    assert ticket.category == "general" and ticket.status.value == "open"  # counts stay true
    assert {r.body for r in TicketService(engine, SLA).replies(ticket_id)} == {ERASED}
    assert CustomerData(engine).export("cust-1") is None
    assert CustomerData(engine).erase("cust-1").counts()["sessions"] == 0


def test_the_audit_log_is_append_only(engine: Engine) -> None:
    log = AuditLog(engine)
    log.record("admin:ops:k1", "customer.export", "cust-1", {"found": True})
    log.record("admin:ops:k1", "customer.erase", "cust-1", {"sessions": 1})
    assert [e.action for e in log.events()] == ["customer.erase", "customer.export"]
    assert [e.action for e in log.events(action="customer.export")] == ["customer.export"]
    for statement in ("UPDATE audit_events SET actor = 'nobody'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert len(log.events()) == 2
