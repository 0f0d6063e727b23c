"""Ingestion: bytes -> parsed document -> chunks -> vectors -> knowledge store.

Idempotent by content hash. A document is known by its file name: uploading the same name again
is a new version of it (its ``version`` counts the contents it has had). Only the chunks that
changed are embedded and written.

The catalog record is the commit point. A new version's chunks are written first, marked with
a span of versions that the catalog does not yet name, so searches skip them; chunks that stay
have their span widened; then the catalog record names the new version and only then are the
chunks it left out deleted. A failure or a kill -9 at any step (a damaged file, the embedder
down, the machine gone) leaves the earlier version whole and searchable, or a new document
unseen, and the next upload of the file clears what the interrupted one left.
"""

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from ingest.chunking import TokenCounter, chunk_document
from ingest.errors import DocumentTooLarge, EmptyDocument
from ingest.parsers import PARSERS, ParsedDocument, parse_document
from ingest.store import KnowledgeStore, StoredChunk
from models.language import Language, detect_language

IngestStatus = Literal["created", "updated", "unchanged"]


@dataclass
class DocumentRecord:
    id: str
    filename: str
    title: str
    lang: str
    content_hash: str
    size_bytes: int
    chunks: int
    updated_at: datetime
    personal_data: dict[str, int] = field(default_factory=dict)
    version: int = 1


class PersonalDataScanner(Protocol):
    """Counts personal data in a text, by type (the app passes its redactor)."""

    def count(self, text: str, lang: Language) -> dict[str, int]: ...


SCAN_PIECE_CHARS = 4000
TITLE_MAX_CHARS = 500  # the catalog's column


def scan_document(scanner: PersonalDataScanner, parsed: ParsedDocument) -> dict[str, int]:
    """Personal data in a staff upload, by type: flagged for people to look at, not removed
    (a shop may mean to publish its service e-mail address)."""
    found: Counter[str] = Counter()
    for section in parsed.sections:
        text = f"{section.heading}\n{section.text}"
        for start in range(0, len(text), SCAN_PIECE_CHARS):
            piece = text[start : start + SCAN_PIECE_CHARS]
            found.update(scanner.count(piece, detect_language(piece)))
    return dict(sorted(found.items()))


class DocumentCatalog(Protocol):
    """Where document records are kept (the app keeps them in its database)."""

    def find_by_filename(self, filename: str) -> DocumentRecord | None: ...

    def save(self, record: DocumentRecord) -> None: ...

    def delete(self, document_id: str) -> None: ...


DOCUMENT_IDS = uuid.UUID("6b1d6c0e-6f0a-4a43-9a51-3f6f1c1d0b7e")


def document_id_for(filename: str) -> str:
    """A new document's id, from its file name: an upload interrupted before its record was
    saved is found again, and cleared, by the next upload of the same file."""
    return uuid.uuid5(DOCUMENT_IDS, filename).hex


@dataclass(frozen=True)
class IngestResult:
    id: str
    filename: str
    title: str
    chunks: int
    status: IngestStatus
    personal_data: dict[str, int] = field(default_factory=dict)
    version: int = 1


@dataclass
class IngestPipeline:
    store: KnowledgeStore
    catalog: DocumentCatalog
    count_tokens: TokenCounter
    chunk_tokens: int
    overlap_tokens: int
    max_bytes: int
    scanner: PersonalDataScanner | None = None
    max_chunks: int = 2000

    def ingest_bytes(self, filename: str, data: bytes) -> IngestResult:
        filename = Path(filename).name
        if len(data) > self.max_bytes:
            raise DocumentTooLarge(
                f"{filename} is {len(data)} bytes; the limit is {self.max_bytes}"
            )
        parsed = parse_document(filename, data)
        title = parsed.title[:TITLE_MAX_CHARS]  # a heading of a whole paragraph is still a title
        content_hash = hashlib.sha256(data).hexdigest()
        existing = self.catalog.find_by_filename(filename)
        if (
            existing is not None
            and existing.content_hash == content_hash
            and self._stored_whole(existing)
        ):
            return IngestResult(
                existing.id,
                filename,
                existing.title,
                existing.chunks,
                "unchanged",
                existing.personal_data,
                existing.version,
            )

        drafts = chunk_document(
            parsed, self.count_tokens, size=self.chunk_tokens, overlap=self.overlap_tokens
        )
        if not drafts:
            raise EmptyDocument(f"{filename} has no text to answer from")
        if len(drafts) > self.max_chunks:
            raise DocumentTooLarge(
                f"{filename} makes {len(drafts)} chunks; the limit is {self.max_chunks} chunks "
                "per document (KEFU_MAX_DOCUMENT_CHUNKS): split it into smaller documents"
            )
        document_id = existing.id if existing else document_id_for(filename)
        # A new content is a new version; re-storing the same content (lost chunks) is not.
        version = (
            1 if existing is None else existing.version + (existing.content_hash != content_hash)
        )
        # A chunk that stays keeps the versions it had and gains this one; a new chunk has
        # only this one, which searches do not see until the catalog names it.
        stored = self.store.chunk_versions(document_id)
        seen: dict[str, int] = {}
        chunks = []
        for draft in drafts:
            # Ids come from content, so a chunk that only moved keeps its id and its vector.
            occurrence = seen[draft.content_hash] = seen.get(draft.content_hash, -1) + 1
            suffix = f"-{occurrence}" if occurrence else ""
            chunk_id = f"{document_id}-{draft.content_hash[:20]}{suffix}"
            first_version = min(stored[chunk_id][0], version) if chunk_id in stored else version
            chunks.append(
                StoredChunk(
                    id=chunk_id,
                    document_id=document_id,
                    document=filename,
                    title=title,
                    heading=draft.heading,
                    text=draft.text,
                    lang=draft.lang,
                    content_hash=draft.content_hash,
                    position=draft.position,
                    links=draft.links,
                    images=draft.images,
                    first_version=first_version,
                    last_version=version,
                )
            )
        new_chunks = [c for c in chunks if c.id not in stored]
        vectors = self.store.embedder.embed([embedding_text(c) for c in new_chunks])
        self.store.add(new_chunks, vectors)
        self.store.update_metadata([c for c in chunks if c.id in stored])
        personal_data = scan_document(self.scanner, parsed) if self.scanner else {}
        self.catalog.save(
            DocumentRecord(
                id=document_id,
                filename=filename,
                title=title,
                lang=detect_language(parsed.text),
                content_hash=content_hash,
                size_bytes=len(data),
                chunks=len(chunks),
                updated_at=datetime.now(UTC),
                personal_data=personal_data,
                version=version,
            )
        )
        self.store.documents_changed()
        # Committed: the chunks the new version left out (and any an interrupted upload left)
        # are no longer seen, and go.
        self.store.delete(sorted(set(stored) - {c.id for c in chunks}))
        return IngestResult(
            document_id,
            filename,
            title,
            len(chunks),
            "updated" if existing else "created",
            personal_data,
            version,
        )

    def _stored_whole(self, record: DocumentRecord) -> bool:
        """Whether the store holds exactly the record's version: its chunks and nothing left
        by an interrupted upload."""
        spans = self.store.chunk_versions(record.id).values()
        return len(spans) == record.chunks and all(
            first <= record.version <= last for first, last in spans
        )

    def delete_document(self, document_id: str) -> None:
        """The catalog record goes first (the document is no longer seen), then its chunks."""
        self.catalog.delete(document_id)
        self.store.documents_changed()
        self.store.delete_document(document_id)

    def ingest_paths(self, paths: Iterable[Path]) -> list[IngestResult]:
        return [self.ingest_bytes(path.name, path.read_bytes()) for path in expand_paths(paths)]


def embedding_text(chunk: StoredChunk) -> str:
    """What is embedded: the chunk with its title and heading, which carry its topic."""
    return "\n".join(part for part in (chunk.title, chunk.heading, chunk.text) if part)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the supported files inside folders (sorted, README files skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in PARSERS and p.stem.upper() != "README"
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"No such file or folder: {path}")
    return found
