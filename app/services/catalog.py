"""The document catalog in the database (the ingest pipeline's DocumentCatalog)."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.db.models import Document
from ingest.pipeline import DocumentRecord


class SqlDocumentCatalog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find_by_filename(self, filename: str) -> DocumentRecord | None:
        with Session(self._engine) as session:
            row = session.exec(select(Document).where(Document.filename == filename)).first()
            if row is None:
                return None
            return DocumentRecord(
                id=row.id,
                filename=row.filename,
                title=row.title,
                lang=row.lang,
                content_hash=row.content_hash,
                size_bytes=row.size_bytes,
                chunks=row.chunks,
                updated_at=row.updated_at,
            )

    def save(self, record: DocumentRecord) -> None:
        with Session(self._engine) as session:
            row = session.get(Document, record.id) or Document(
                id=record.id, filename=record.filename, content_hash=record.content_hash
            )
            row.filename = record.filename
            row.title = record.title
            row.lang = record.lang
            row.content_hash = record.content_hash
            row.size_bytes = record.size_bytes
            row.chunks = record.chunks
            row.status = "ready"
            row.updated_at = record.updated_at
            session.add(row)
            session.commit()

    def list(self) -> list[Document]:
        with Session(self._engine) as session:
            return list(session.exec(select(Document).order_by(Document.filename)).all())

    def get(self, document_id: str) -> Document | None:
        with Session(self._engine) as session:
            return session.get(Document, document_id)

    def delete(self, document_id: str) -> None:
        with Session(self._engine) as session:
            row = session.get(Document, document_id)
            if row is not None:
                session.delete(row)
                session.commit()
