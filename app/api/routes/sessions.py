"""A session's redacted transcript, for the shopper's widget, and the shopper's rating."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from pydantic import Field as PydanticField
from starlette.concurrency import run_in_threadpool

from app.analytics.store import COMMENT_MAX_CHARS
from app.api.deps import ContainerDep, ShopperRateLimit
from app.api.routes.params import MAX_ID, SESSION_ID_PATTERN, JsonInt, Text, is_session_id
from app.core.errors import ApiError, error_responses
from app.core.i18n import message
from app.services.transcripts import TranscriptStore
from models.language import detect_language, normalise_locale

router = APIRouter(
    prefix="/v1/sessions",
    tags=["sessions"],
    dependencies=[ShopperRateLimit],
    responses=error_responses(404, 422, 429),
)
# A session id that is not one is an unknown session (404), as the pattern says.
SessionId = Annotated[
    str,
    Path(description="the session's id", json_schema_extra={"pattern": SESSION_ID_PATTERN}),
]


@router.get("/{session_id}/messages")
async def session_messages(
    session_id: SessionId,
    container: ContainerDep,
    after: Annotated[
        int,
        Query(ge=0, le=MAX_ID, description="only messages with a greater id (the widget's polls)"),
    ] = 0,
) -> dict[str, Any]:
    """The session's tickets and its redacted messages, oldest first."""
    if not is_session_id(session_id):
        raise ApiError(404, "session_not_found", id=session_id[:64])
    store = TranscriptStore(container.engine)
    if not await run_in_threadpool(store.exists, session_id):
        raise ApiError(404, "session_not_found", id=session_id)
    rows = await run_in_threadpool(store.messages, session_id, after)
    tickets = (
        await run_in_threadpool(container.tickets.for_session, session_id)
        if container.tickets is not None
        else []
    )
    return {
        "session_id": session_id,
        "tickets": [
            {"id": t.id, "status": t.status.value, "updated_at": t.updated_at.isoformat()}
            for t in tickets
        ],
        "messages": [
            {
                "id": row.id,
                "role": row.role,
                "content": row.content,
                "intent": row.intent,
                "sources": row.sources,
                "created_at": row.created_at.isoformat(),
            }
            for row in rows
        ],
    }


class Feedback(BaseModel):
    rating: JsonInt = PydanticField(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: Text | None = PydanticField(default=None, max_length=COMMENT_MAX_CHARS)


@router.post("/{session_id}/feedback", status_code=201, responses=error_responses(400))
async def session_feedback(
    session_id: SessionId, body: Feedback, container: ContainerDep
) -> dict[str, Any]:
    """The shopper's rating of the conversation; a later one replaces it. The comment is
    stored redacted."""
    analytics = container.analytics
    if not is_session_id(session_id) or analytics is None:
        raise ApiError(404, "session_not_found", id=session_id[:64])
    comment = (body.comment or "").strip() or None
    if comment and container.redactor is not None:
        redactor = container.redactor
        comment = await run_in_threadpool(
            lambda: redactor.redact(comment, detect_language(comment)).text
        )
    conversation_lang = await run_in_threadpool(
        analytics.record_feedback, session_id, body.rating, comment
    )
    if conversation_lang is None:
        raise ApiError(404, "session_not_found", id=session_id)
    spoken = normalise_locale(conversation_lang) or "en"
    lang = detect_language(comment, default=spoken) if comment else spoken
    return {
        "session_id": session_id,
        "rating": body.rating,
        "comment": comment,
        "message": message("feedback_thanks", lang),
    }
