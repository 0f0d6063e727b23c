"""Intent classification for agents and integrations."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import AgentKey, ContainerDep
from app.api.routes.params import Text, non_blank
from app.core.errors import ApiError, error_responses

router = APIRouter(
    prefix="/v1/intents",
    tags=["intents"],
    responses=error_responses(400, 401, 403, 413, 422, 429, 503),
)


class ClassifyRequest(BaseModel):
    text: Text = Field(**non_blank("the message to classify"))


@router.post("/classify")
async def classify(
    body: ClassifyRequest, container: ContainerDep, _key: AgentKey
) -> dict[str, Any]:
    text = body.text.strip()
    if not text:
        raise ApiError(422, "empty_message")
    limit = container.settings.max_message_chars
    if len(text) > limit:
        raise ApiError(413, "message_too_long", length=len(text), limit=limit)
    if container.intents is None:
        raise ApiError(503, "intent_model_unavailable")
    result = await run_in_threadpool(container.intents.classify, text)
    return {
        "label": result.label,
        "confidence": result.confidence,
        "top": [{"label": s.label, "score": s.score} for s in result.top],
    }
