"""The knowledge base: upload, list and delete documents (staff and admins)."""

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile, status
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, StaffKey
from app.api.routes.params import storable, text_path
from app.core.errors import ApiError, error_responses
from app.core.low_priority import run_low_priority
from app.core.metrics import DOCUMENTS_INGESTED

router = APIRouter(
    prefix="/v1/documents", tags=["documents"], responses=error_responses(401, 403, 422, 429)
)
MAX_FILENAME_CHARS = 255
DocumentId = Annotated[str, text_path("the document's id", max_length=128)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(400, 413, 415))
async def upload_document(
    container: ContainerDep,
    _key: StaffKey,
    file: Annotated[UploadFile | None, File(description="the document")] = None,
) -> dict[str, Any]:
    if file is None or not file.filename:
        raise ApiError(422, "missing_file")
    name = PurePath(file.filename).name
    if not storable(name) or len(name) > MAX_FILENAME_CHARS:  # what the catalog can hold
        detail = f"file: a file name of at most {MAX_FILENAME_CHARS} characters, without NUL"
        raise ApiError(422, "invalid_request", detail=detail)
    limit = container.settings.max_upload_bytes
    data = await file.read(limit + 1)
    # Parsing, the personal-data scan and embedding take the cores the chat leaves.
    result = await run_low_priority(container.pipeline.ingest_bytes, file.filename, data)
    DOCUMENTS_INGESTED.labels(result.status).inc()
    return {
        "id": result.id,
        "filename": result.filename,
        "title": result.title,
        "chunks": result.chunks,
        "status": result.status,
        "version": result.version,
        "personal_data": result.personal_data,
    }


@router.get("")
async def list_documents(container: ContainerDep, _key: StaffKey) -> dict[str, Any]:
    rows = await run_in_threadpool(container.catalog.list)
    return {
        "items": [
            {
                "id": row.id,
                "filename": row.filename,
                "title": row.title,
                "lang": row.lang,
                "chunks": row.chunks,
                "status": row.status,
                "version": row.version,
                "size_bytes": row.size_bytes,
                "personal_data": row.personal_data or {},
                "updated_at": row.updated_at.isoformat(),
            }
            for row in rows
        ]
    }


@router.delete(
    "/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_document(document_id: DocumentId, container: ContainerDep, _key: StaffKey) -> None:
    row = await run_in_threadpool(container.catalog.get, document_id)
    if row is None:
        raise ApiError(404, "document_not_found", id=document_id[:64])
    await run_in_threadpool(container.pipeline.delete_document, document_id)
