"""The shopper's chat: a streamed turn (SSE) or the same turn as one JSON answer."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api.deps import ContainerDep, ShopperRateLimit, enforce_rate
from app.api.routes.params import SESSION_ID_PATTERN, Text, non_blank
from app.container import Container
from app.core.errors import ApiError, ErrorDetail, error_responses
from app.services.admission import TurnsBusy
from app.services.chat import ChatService, TurnRequest

router = APIRouter(
    prefix="/v1",
    tags=["chat"],
    dependencies=[ShopperRateLimit],
    responses=error_responses(400, 413, 422, 429, 503),
)


class ChatRequest(BaseModel):
    message: Text = Field(**non_blank("what the shopper wrote"))
    session_id: str | None = Field(
        None,
        pattern=SESSION_ID_PATTERN,
        description="continue this session (1-64 letters, digits, '-' or '_'); new when absent",
    )
    customer_id: Text | None = Field(None, max_length=128, description="the shop's customer id")
    locale: Text | None = Field(None, max_length=16, description="zh-CN or en; else detected")


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
    """The chat service, when it can take one more turn now: else 429 with Retry-After."""
    if container.chat is None:
        raise ApiError(503, "llm_unavailable")
    try:
        container.chat.admit()
    except TurnsBusy as busy:
        error = ApiError(429, "server_busy", seconds=busy.retry_after)
        error.headers["Retry-After"] = str(busy.retry_after)
        raise error from busy
    return container.chat


ChatBody = Annotated[ChatRequest, Body()]


# --- what a turn answers, as the schema documents it (the contract's events) -----------------


class Intent(BaseModel):
    label: str
    confidence: float


class Source(BaseModel):
    document_id: str
    document: str = Field(description="the file name as uploaded or ingested")
    title: str
    heading: str
    chunk_id: str
    score: float
    url: str = Field(description="the page of the cited passage")


class TurnDone(BaseModel):
    """The ``done`` event's payload: the last of a turn, and the answer of ``POST /v1/chat``."""

    session_id: str
    answer: str
    intent: Intent | None
    sources: list[Source]
    ticket_id: int | None
    handoff: bool = Field(description="the turn offered or started a hand-over to a person")
    lang: str
    prompt_version: str | None
    tools: list[str] = Field(description="the tools the turn called")


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
EVENT_DATA: dict[str, dict[str, Any]] = {
    "session": _object({"session_id": STRING}),
    "agent_message": _object({"id": INTEGER, "text": STRING, "created_at": STRING}),
    "intent": _ref(Intent),
    "token": _object({"text": STRING}),
    "sources": _object({"items": {"type": "array", "items": _ref(Source)}}),
    "ticket": _object({"id": INTEGER, "status": STRING}),
    "rating": _object({"prompt": STRING, "scale": {"type": "array"}, "feedback_url": STRING}),
    "done": _ref(TurnDone),
    "error": _ref(ErrorDetail),
}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The turn's events: session, intent, token..., sources, done (or error).",
        "content": {
            "text/event-stream": {
                "schema": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["event", "data"],
                            "properties": {
                                "event": {"const": name},
                                "data": {
                                    "type": "string",
                                    "contentMediaType": "application/json",
                                    "contentSchema": data,
                                },
                            },
                        }
                        for name, data in EVENT_DATA.items()
                    ]
                }
            }
        },
    }
}


@router.post("/chat/stream", response_class=EventSourceResponse, responses=STREAM_RESPONSES)
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


@router.post("/chat", responses={200: {"model": TurnDone}})
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
