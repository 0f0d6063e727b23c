"""A session's redacted transcript, for the shopper's widget."""

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep
from app.api.routes.chat import SESSION_ID
from app.core.errors import ApiError
from app.services.transcripts import TranscriptStore

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.get("/{session_id}/messages")
async def session_messages(session_id: str, container: ContainerDep) -> dict[str, Any]:
    if not SESSION_ID.match(session_id):
        raise ApiError(404, "session_not_found", id=session_id[:64])
    store = TranscriptStore(container.engine)
    if not await run_in_threadpool(store.exists, session_id):
        raise ApiError(404, "session_not_found", id=session_id)
    rows = await run_in_threadpool(store.messages, session_id)
    return {
        "session_id": session_id,
        "messages": [
            {
                "role": row.role,
                "content": row.content,
                "intent": row.intent,
                "sources": row.sources,
                "created_at": row.created_at.isoformat(),
            }
            for row in rows
        ],
    }
