"""The knowledge base: upload, list and delete documents (staff and admins)."""

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile, status
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, StaffKey
from app.core.errors import ApiError
from app.core.metrics import DOCUMENTS_INGESTED

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def upload_document(
    container: ContainerDep,
    _key: StaffKey,
    file: Annotated[UploadFile | None, File(description="the document")] = None,
) -> dict[str, Any]:
    if file is None or not file.filename:
        raise ApiError(422, "missing_file")
    limit = container.settings.max_upload_bytes
    data = await file.read(limit + 1)
    result = await run_in_threadpool(container.pipeline.ingest_bytes, file.filename, data)
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


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_document(document_id: str, container: ContainerDep, _key: StaffKey) -> None:
    row = await run_in_threadpool(container.catalog.get, document_id)
    if row is None:
        raise ApiError(404, "document_not_found", id=document_id[:64])
    await run_in_threadpool(container.pipeline.delete_document, document_id)
