"""The ticket lifecycle on SQLite and on PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from app.db.models import TicketPriority, TicketStatus, utcnow
from app.services.tickets import (
    InvalidTransition,
    NewTicket,
    SlaPolicy,
    TicketNotFound,
    TicketService,
    sla_view,
)
from app.services.transcripts import TranscriptStore

SLA = SlaPolicy(
    {"urgent": 15, "high": 60, "normal": 240, "low": 1440},
    {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080},
)


def test_lifecycle_with_reopen(engine: Engine) -> None:
    service = TicketService(engine, SLA)
    ticket, created = service.create(
        NewTicket("Lamp arrived broken", "REFUND", TicketPriority.high)
    )
    assert created and ticket.status is TicketStatus.open and ticket.id is not None
    assert ticket.resolution_due - ticket.created_at == timedelta(minutes=1440)

    assert service.update(ticket.id, assignee="li.na").assignee == "li.na"
    assert service.update(ticket.id, status=TicketStatus.pending).status is TicketStatus.pending
    resolved = service.update(ticket.id, status=TicketStatus.resolved)
    assert resolved.status is TicketStatus.resolved and resolved.resolved_at is not None
    reopened = service.update(ticket.id, status=TicketStatus.open)
    assert reopened.status is TicketStatus.open and reopened.resolved_at is None
    service.update(ticket.id, status=TicketStatus.resolved)
    assert service.update(ticket.id, status=TicketStatus.closed).status is TicketStatus.closed
    assert service.update(ticket.id, status=TicketStatus.open).status is TicketStatus.open
    assert [t.id for t in service.find(status=TicketStatus.open, assignee="li.na")] == [ticket.id]
    assert service.find(status=TicketStatus.closed) == []


def test_invalid_transitions_are_refused(engine: Engine) -> None:
    service = TicketService(engine, SLA)
    ticket, _ = service.create(NewTicket("Where is my refund?"))
    assert ticket.id is not None
    service.update(ticket.id, status=TicketStatus.resolved)
    service.update(ticket.id, status=TicketStatus.closed)
    with pytest.raises(InvalidTransition):
        service.update(ticket.id, status=TicketStatus.pending)
    with pytest.raises(InvalidTransition):
        service.update(ticket.id, status=TicketStatus.resolved)
    assert service.get(ticket.id).status is TicketStatus.closed
    with pytest.raises(TicketNotFound):
        service.update(999_999, status=TicketStatus.open)


def test_a_repeated_idempotency_key_makes_no_second_ticket(engine: Engine) -> None:
    service = TicketService(engine, SLA)
    first, created = service.create(NewTicket("Refund please", idempotency_key="session-1:turn-3"))
    again, created_again = service.create(
        NewTicket("Refund please", idempotency_key="session-1:turn-3")
    )
    assert created and not created_again and again.id == first.id
    assert len(service.find()) == 1


def test_public_reply_reaches_the_session_and_stops_the_first_response_clock(
    engine: Engine,
) -> None:
    transcripts = TranscriptStore(engine)
    transcripts.touch_session("s-42", "cust-7", "zh")
    transcripts.add_turn(
        "s-42", "我的退款到哪了？", "正在为您转接人工客服。", "track_refund", [], None
    )
    service = TicketService(engine, SLA)
    ticket, _ = service.create(
        NewTicket("退款进度", "REFUND", session_id="s-42", customer_id="cust-7")
    )
    assert ticket.id is not None
    service.reply(ticket.id, "li.na", "internal: checking with finance", public=False)
    assert service.get(ticket.id).first_responded_at is None
    service.reply(ticket.id, "li.na", "您好，退款已于今天原路退回。", public=True)
    assert service.get(ticket.id).first_responded_at is not None
    roles = [(m.role, m.content) for m in transcripts.messages("s-42")]
    assert roles[-1] == ("agent", "您好，退款已于今天原路退回。")
    assert "internal: checking with finance" not in str(roles)
    assert [r.public for r in service.replies(ticket.id)] == [False, True]


def test_sla_breach_flags(engine: Engine) -> None:
    service = TicketService(engine, SLA)
    ticket, _ = service.create(NewTicket("Payment failed twice", priority=TicketPriority.urgent))
    assert sla_view(ticket)["first_response_breached"] is False
    later = utcnow() + timedelta(minutes=16)
    assert sla_view(ticket, now=later)["first_response_breached"] is True
    assert sla_view(ticket, now=later)["resolution_breached"] is False
    assert sla_view(ticket, now=utcnow() + timedelta(minutes=241))["resolution_breached"] is True


def test_queue_figures_count_tickets_by_status_and_priority_and_the_overdue(
    engine: Engine,
) -> None:
    service = TicketService(engine, SLA)
    urgent, _ = service.create(NewTicket("Charged twice", "PAYMENT", TicketPriority.urgent))
    normal, _ = service.create(NewTicket("Where is my parcel", "ORDER", TicketPriority.normal))
    done, _ = service.create(NewTicket("Wrong size", "RETURN", TicketPriority.normal))
    assert urgent.id and normal.id and done.id
    service.update(done.id, status=TicketStatus.resolved)
    service.reply(normal.id, "li.na", "It left the depot today.", public=True)

    now = service.queue_figures()
    assert now.tickets == {("open", "urgent"): 1, ("open", "normal"): 1, ("resolved", "normal"): 1}
    assert now.overdue == {"first_response": 0, "resolution": 0}
    # 20 minutes on: the urgent ticket's first response (15 min) is late, the answered one is not.
    later = service.queue_figures(utcnow() + timedelta(minutes=20))
    assert later.overdue == {"first_response": 1, "resolution": 0}
    # Four days on, the normal ticket's resolution (72 h) is late too; the resolved one never is.
    days = service.queue_figures(utcnow() + timedelta(days=4))
    assert days.overdue == {"first_response": 1, "resolution": 2}
