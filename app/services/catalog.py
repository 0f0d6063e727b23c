"""The document catalog in the database (the ingest pipeline's DocumentCatalog)."""

from dataclasses import asdict, fields

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.db.models import Document
from ingest.pipeline import DocumentRecord

RECORD_FIELDS = [f.name for f in fields(DocumentRecord)]


class SqlDocumentCatalog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find_by_filename(self, filename: str) -> DocumentRecord | None:
        with Session(self._engine) as session:
            row = session.exec(select(Document).where(Document.filename == filename)).first()
            if row is None:
                return None
            record = DocumentRecord(**{name: getattr(row, name) for name in RECORD_FIELDS})
            record.personal_data = record.personal_data or {}  # rows from before the scan
            return record

    def save(self, record: DocumentRecord) -> None:
        with Session(self._engine) as session:
            row = session.get(Document, record.id) or Document(**asdict(record))
            for name, value in asdict(record).items():
                setattr(row, name, value)
            row.status = "ready"
            session.add(row)
            session.commit()

    def live_versions(self) -> dict[str, int]:
        """Each catalogued document's current version: the chunks searches may see."""
        with Session(self._engine) as session:
            return dict(session.exec(select(Document.id, Document.version)).all())

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
