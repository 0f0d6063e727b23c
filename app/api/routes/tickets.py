"""Tickets for agents: create, list, read with replies and transcript, update, reply."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import AgentKey, ContainerDep
from app.api.routes.params import SESSION_ID_PATTERN, Text, id_path
from app.core.errors import ApiError, error_responses
from app.db.models import Ticket, TicketPriority, TicketStatus
from app.services.audit import AuditLog, actor_of
from app.services.tickets import (
    InvalidTransition,
    NewTicket,
    TicketNotFound,
    TicketService,
    sla_view,
)
from app.services.transcripts import TranscriptStore

router = APIRouter(
    prefix="/v1/tickets", tags=["tickets"], responses=error_responses(401, 403, 422, 429)
)
T = TypeVar("T")
TicketId = Annotated[int, id_path("the ticket's number")]


class TicketCreate(BaseModel):
    summary: Text = Field(min_length=1, max_length=2000)
    category: Text = Field("general", min_length=1, max_length=64)
    priority: TicketPriority = TicketPriority.normal
    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN)
    customer_id: Text | None = Field(None, max_length=128)
    order_id: Text | None = Field(None, max_length=64)
    idempotency_key: Text | None = Field(None, max_length=128)


class TicketUpdate(BaseModel):
    status: TicketStatus | None = None
    assignee: Text | None = Field(None, max_length=120)
    priority: TicketPriority | None = None


class ReplyCreate(BaseModel):
    body: Text = Field(min_length=1, max_length=10_000)
    public: bool = Field(False, strict=True)


def _service(container: ContainerDep) -> TicketService:
    assert container.tickets is not None
    return container.tickets


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "summary": ticket.summary,
        "category": ticket.category,
        "assignee": ticket.assignee,
        "session_id": ticket.session_id,
        "customer_id": ticket.customer_id,
        "order_id": ticket.order_id,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "sla": sla_view(ticket),
    }


async def _call(ticket_id: int, action: Callable[[], T]) -> T:
    """Run a ticket-service call off the event loop; a missing ticket is a 404."""
    try:
        return await run_in_threadpool(action)
    except TicketNotFound:
        raise ApiError(404, "ticket_not_found", id=ticket_id) from None


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(400))
async def create_ticket(
    body: TicketCreate, container: ContainerDep, _key: AgentKey
) -> dict[str, Any]:
    if body.session_id and not await run_in_threadpool(
        TranscriptStore(container.engine).exists, body.session_id
    ):
        raise ApiError(422, "session_not_found", id=body.session_id)
    ticket, _created = await run_in_threadpool(
        _service(container).create, NewTicket(**body.model_dump())
    )
    return ticket_view(ticket)


@router.get("")
async def list_tickets(
    container: ContainerDep,
    _key: AgentKey,
    status_filter: Annotated[TicketStatus | None, Query(alias="status")] = None,
    assignee: Annotated[Text | None, Query(max_length=120)] = None,
) -> dict[str, Any]:
    tickets = await run_in_threadpool(_service(container).find, status_filter, assignee)
    return {"items": [ticket_view(t) for t in tickets]}


@router.get("/{ticket_id}", responses=error_responses(404))
async def read_ticket(
    ticket_id: TicketId, container: ContainerDep, key: AgentKey
) -> dict[str, Any]:
    service = _service(container)
    ticket = await _call(ticket_id, lambda: service.get(ticket_id))
    replies = await run_in_threadpool(service.replies, ticket_id)
    if ticket.session_id:  # the transcript is about a shopper: its reading is recorded
        await run_in_threadpool(
            AuditLog(container.engine).record,
            actor_of(key),
            "ticket.read",
            f"ticket:{ticket_id}",
            {"session_id": ticket.session_id, "customer_id": ticket.customer_id},
        )
    transcript = (
        await run_in_threadpool(TranscriptStore(container.engine).messages, ticket.session_id)
        if ticket.session_id
        else []
    )
    return {
        **ticket_view(ticket),
        "replies": [
            {
                "id": r.id,
                "author": r.author,
                "body": r.body,
                "public": r.public,
                "created_at": r.created_at.isoformat(),
            }
            for r in replies
        ],
        "transcript": [
            {"role": m.role, "content": m.content, "created_at": m.created_at.isoformat()}
            for m in transcript
        ],
    }


@router.patch("/{ticket_id}", responses=error_responses(400, 404, 409))
async def update_ticket(
    ticket_id: TicketId, body: TicketUpdate, container: ContainerDep, _key: AgentKey
) -> dict[str, Any]:
    service = _service(container)
    try:
        ticket = await _call(
            ticket_id,
            lambda: service.update(
                ticket_id,
                status=body.status,
                assignee=body.assignee,
                priority=body.priority,
                unassign="assignee" in body.model_fields_set and body.assignee is None,
            ),
        )
    except InvalidTransition as exc:
        raise ApiError(
            409, "invalid_transition", current=exc.current.value, wanted=exc.wanted.value
        ) from None
    return ticket_view(ticket)


@router.post(
    "/{ticket_id}/replies", status_code=status.HTTP_201_CREATED, responses=error_responses(400, 404)
)
async def reply(
    ticket_id: TicketId, body: ReplyCreate, container: ContainerDep, key: AgentKey
) -> dict[str, Any]:
    service = _service(container)
    created = await _call(
        ticket_id,
        lambda: service.reply(ticket_id, key.name or key.prefix, body.body, body.public),
    )
    return {
        "id": created.id,
        "ticket_id": ticket_id,
        "public": created.public,
        "created_at": created.created_at.isoformat(),
    }
