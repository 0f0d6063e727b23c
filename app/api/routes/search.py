"""Search the knowledge base as the assistant does, to check what a question finds (staff)."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, StaffKey
from app.api.routes.params import JsonInt, Text
from app.core.errors import ApiError, error_responses

router = APIRouter(
    prefix="/v1/search", tags=["search"], responses=error_responses(400, 401, 403, 422, 429, 503)
)


class SearchRequest(BaseModel):
    query: Text = Field(min_length=1, max_length=2000)
    k: JsonInt = Field(5, ge=1, le=20)
    document: Text | None = Field(None, max_length=255, description="only this file")
    lang: Literal["zh", "en"] | None = Field(None, description="only passages in this language")


@router.post("")
async def search(body: SearchRequest, container: ContainerDep, _key: StaffKey) -> dict[str, Any]:
    if container.retriever is None:
        raise ApiError(503, "search_unavailable")
    filters = [
        {key: value} for key, value in (("document", body.document), ("lang", body.lang)) if value
    ]
    where = filters[0] if len(filters) == 1 else {"$and": filters} if filters else None
    found = await run_in_threadpool(container.retriever.search, body.query, body.k, where)
    return {
        "items": [
            {
                "document_id": p.document_id,
                "document": p.document,
                "title": p.title,
                "heading": p.heading,
                "chunk_id": p.chunk_id,
                "lang": p.lang,
                "score": p.score,
                "text": p.text,
                "links": list(p.links),
                "images": list(p.images),
            }
            for p in found
        ]
    }
