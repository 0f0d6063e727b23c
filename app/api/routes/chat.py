"""The shopper's chat: a streamed turn (SSE) or the same turn as one JSON answer."""

import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api.deps import ContainerDep, ShopperRateLimit, enforce_rate
from app.container import Container
from app.core.errors import ApiError
from app.services.chat import ChatService, TurnRequest

router = APIRouter(prefix="/v1", tags=["chat"], dependencies=[ShopperRateLimit])

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ChatRequest(BaseModel):
    message: str = Field(description="what the shopper wrote")
    session_id: str | None = Field(None, description="continue this session; new when absent")
    customer_id: str | None = Field(None, max_length=128, description="the shop's customer id")
    locale: str | None = Field(None, max_length=16, description="zh-CN or en; else detected")

    @field_validator("session_id")
    @classmethod
    def _session_id_format(cls, value: str | None) -> str | None:
        if value is not None and not SESSION_ID.match(value):
            raise ValueError("session_id must be 1-64 letters, digits, '-' or '_'")
        return value


async def _turn_request(body: ChatRequest, container: Container) -> TurnRequest:
    text = body.message.strip()
    limit = container.settings.max_message_chars
    if not text:
        raise ApiError(422, "empty_message")
    if len(text) > limit:
        raise ApiError(413, "message_too_long", length=len(text), limit=limit)
    if body.session_id:  # a new session has no turns yet: the IP's limit holds it
        await enforce_rate(
            container, "session", body.session_id, container.settings.rate_limit_session
        )
    return TurnRequest(text, body.session_id, body.customer_id, body.locale)


def _chat(container: ContainerDep) -> ChatService:
    if container.chat is None:
        raise ApiError(503, "llm_unavailable")
    return container.chat


ChatBody = Annotated[ChatRequest, Body()]


@router.post("/chat/stream", response_class=EventSourceResponse)
async def chat_stream(
    body: ChatBody, container: ContainerDep, request: Request
) -> EventSourceResponse:
    """Events: session, intent, token..., sources, done (or error)."""
    turn = await _turn_request(body, container)
    chat = _chat(container)

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for event in chat.run_turn(turn):
            yield ServerSentEvent(
                data=json.dumps(event.data, ensure_ascii=False), event=event.event
            )

    return EventSourceResponse(events(), ping=15)


@router.post("/chat")
async def chat_once(body: ChatBody, container: ContainerDep) -> JSONResponse:
    """The same turn as /chat/stream, answered with the ``done`` payload."""
    turn = await _turn_request(body, container)
    last: dict[str, Any] = {}
    async for event in _chat(container).run_turn(turn):
        if event.event == "done":
            return JSONResponse(event.data)
        if event.event == "error":
            last = event.data
    return JSONResponse({"error": last}, status_code=503)
