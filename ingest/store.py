"""The knowledge store: document chunks and their vectors in a Chroma collection.

Chroma has no transactions, so the document catalog is the commit point: each chunk records
the span of document versions it belongs to (``first_version``..``last_version``) and is
searchable only while its document's catalogued version lies in that span. A version being
written, or one left half-written by a crash, is never seen; see ``ingest.pipeline``.
"""

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from models.embedder import Embedder, Vectors


@dataclass(frozen=True)
class StoredChunk:
    id: str
    document_id: str
    document: str
    title: str
    heading: str
    text: str
    lang: str
    content_hash: str
    position: int
    links: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    first_version: int = 1
    last_version: int = 1

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata holds scalars only: URL lists are stored newline-joined."""
        return {
            "document_id": self.document_id,
            "document": self.document,
            "title": self.title,
            "heading": self.heading,
            "lang": self.lang,
            "content_hash": self.content_hash,
            "position": self.position,
            "links": "\n".join(self.links),
            "images": "\n".join(self.images),
            "first_version": self.first_version,
            "last_version": self.last_version,
        }


LiveVersions = Callable[[], Mapping[str, int]]


def is_visible(meta: Mapping[str, Any] | None, live: Mapping[str, int] | None) -> bool:
    """Whether a chunk belongs to its document's catalogued version (chunks stored before
    versions were recorded belong to every version of a catalogued document); with no catalog
    (``live`` None) every chunk is."""
    if live is None:
        return True
    meta = meta or {}
    version = live.get(str(meta.get("document_id")))
    if version is None:
        return False
    first, last = meta.get("first_version"), meta.get("last_version")
    if first is None or last is None:
        return True
    return int(first) <= version <= int(last)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its cosine similarity to the query."""

    chunk_id: str
    document_id: str
    document: str
    title: str
    heading: str
    text: str
    lang: str
    score: float
    links: tuple[str, ...] = ()  # URLs the chunk links to, for citations
    images: tuple[str, ...] = ()  # URLs of the images the chunk shows


@dataclass(frozen=True)
class StoredRecord:
    """A stored chunk as Chroma holds it: id, text, metadata and vector."""

    id: str
    text: str
    meta: dict[str, Any]
    vector: Vectors


def url_list(value: object) -> tuple[str, ...]:
    """A newline-joined URL list from chunk metadata; chunks stored before it have none."""
    return tuple(url for url in str(value or "").split("\n") if url)


def create_chroma_client(target: str, data_path: Path) -> Any:
    """A persistent client in ``data_path`` (empty target) or an HTTP client for a server URL."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not target:
        data_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(data_path), settings=settings)
    url = urlparse(target)
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise ValueError(
            f"KEFU_CHROMA must be empty (local folder) or http(s)://host:port, not {target!r}"
        )
    return chromadb.HttpClient(
        host=url.hostname,
        port=url.port or (443 if url.scheme == "https" else 8000),
        ssl=url.scheme == "https",
        settings=settings,
    )


def collection_name(embedder_name: str) -> str:
    """One collection per embedder, so vectors of different models never mix."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", embedder_name).strip("-._")
    return f"kb-{slug}"[:60].rstrip("-._")


class KnowledgeStore:
    """Chunks and vectors of every document; vectors come from Kefu's embedder, not Chroma's.

    With ``live_versions`` (the catalog's document id -> version), searches and look-ups see
    only the chunks of catalogued versions; without it (a store on its own) they see all.
    """

    LIVE_VERSIONS_SECONDS = 1.0  # how long a read of the catalog serves searches
    # Records fetched per Chroma call: one call for a whole large store fails ("too many SQL
    # variables" at 100k chunks).
    FETCH_BATCH = 2000
    DOCUMENTS_PER_QUERY = 100  # document ids in one "$in" filter

    def __init__(
        self, client: Any, embedder: Embedder, live_versions: LiveVersions | None = None
    ) -> None:
        self.embedder = embedder
        self._client = client
        self._live_versions = live_versions
        self._live: tuple[float, int, Mapping[str, int]] | None = None
        self._live_lock = threading.Lock()
        # Bumped by every write in this process, so caches built from the chunks know to renew.
        self.generation = 0
        self._collection = client.get_or_create_collection(
            name=collection_name(embedder.name),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def documents_changed(self) -> None:
        """The catalog changed (a version committed, a document deleted): read it anew."""
        self.generation += 1

    def live(self) -> Mapping[str, int] | None:
        """The catalogued version of each document, read at most once a second (other workers'
        commits show within that), or None when every chunk is visible."""
        if self._live_versions is None:
            return None
        with self._live_lock:
            now = time.monotonic()
            cached = self._live
            if (
                cached is None
                or cached[1] != self.generation
                or now - cached[0] > (self.LIVE_VERSIONS_SECONDS)
            ):
                cached = self._live = (now, self.generation, dict(self._live_versions()))
            return cached[2]

    def heartbeat(self) -> bool:
        self._client.heartbeat()
        return True

    def count(self) -> int:
        return int(self._collection.count())

    def chunk_ids(self, document_id: str) -> set[str]:
        """Every stored chunk of the document, visible or not."""
        found = self._collection.get(where={"document_id": document_id}, include=[])
        return set(found["ids"])

    def chunk_versions(self, document_id: str) -> dict[str, tuple[int, int]]:
        """Every stored chunk of the document with its span of versions (a chunk from before
        versions were recorded spans them all)."""
        found = self._collection.get(where={"document_id": document_id}, include=["metadatas"])
        spans = {}
        for chunk_id, meta in zip(found["ids"], found["metadatas"], strict=True):
            meta = meta or {}
            spans[chunk_id] = (
                int(meta.get("first_version", 0)),
                int(meta.get("last_version", 2**31 - 1)),
            )
        return spans

    def add(self, chunks: Sequence[StoredChunk], vectors: Vectors) -> None:
        self.generation += 1
        if not chunks:
            return
        self._collection.upsert(
            ids=[c.id for c in chunks],
            embeddings=vectors.tolist(),
            documents=[c.text for c in chunks],
            metadatas=[c.metadata() for c in chunks],
        )

    def update_metadata(self, chunks: Sequence[StoredChunk]) -> None:
        self.generation += 1
        if chunks:
            self._collection.update(
                ids=[c.id for c in chunks], metadatas=[c.metadata() for c in chunks]
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        self.generation += 1
        if chunk_ids:
            self._collection.delete(ids=list(chunk_ids))

    def delete_document(self, document_id: str) -> None:
        self.generation += 1
        self._collection.delete(where={"document_id": document_id})

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        if self.count() == 0:
            return []
        return self.search_by_vector(self.embedder.embed([query])[0], k, where)

    def search_by_vector(
        self, vector: Any, k: int, where: dict[str, Any] | None = None
    ) -> list[Passage]:
        """The ``k`` visible chunks nearest to an embedded query, scored by cosine similarity.

        Chunks of a version being written take places in Chroma's answer and are dropped
        here, so a few more than ``k`` are asked for."""
        if self.count() == 0:
            return []
        live = self.live()
        result = self._collection.query(
            query_embeddings=[list(map(float, vector))],
            n_results=k + 8,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            passage_from_record(chunk_id, text, meta, 1.0 - float(distance))
            for chunk_id, text, meta, distance in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
            if is_visible(meta, live)
        ][:k]

    def matching_ids(self, where: dict[str, Any]) -> set[str]:
        """The ids of every stored chunk matching ``where``, visible or not."""
        return set(self._collection.get(where=where, include=[])["ids"])

    def visible_chunks(
        self, live: Mapping[str, int] | None, document_ids: Sequence[str] | None = None
    ) -> Iterator[list[StoredRecord]]:
        """Every chunk visible under the catalog versions ``live`` (of the given documents
        only, when given), with its vector, in batches: what the retriever keeps in memory.

        Pass the catalog as read before this call: a chunk is written before the catalog
        names its version, so every chunk visible under ``live`` is listed here."""
        if document_ids is None:
            ids = self._collection.get(include=[])["ids"]
        else:
            ids = []
            step = self.DOCUMENTS_PER_QUERY
            for start in range(0, len(document_ids), step):
                where = {"document_id": {"$in": list(document_ids[start : start + step])}}
                ids += self._collection.get(where=where, include=[])["ids"]
        for start in range(0, len(ids), self.FETCH_BATCH):
            found = self._fetch(ids[start : start + self.FETCH_BATCH])
            yield [r for r in found if is_visible(r.meta, live)]

    def _fetch(self, chunk_ids: Sequence[str]) -> list[StoredRecord]:
        found = self._collection.get(
            ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"]
        )
        return [
            StoredRecord(chunk_id, text or "", dict(meta or {}), np.asarray(vector, np.float32))
            for chunk_id, text, meta, vector in zip(
                found["ids"],
                found["documents"],
                found["metadatas"],
                found["embeddings"],
                strict=True,
            )
        ]

    def nearest(
        self, vector: Any, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """The ids of the ``k`` chunks nearest to an embedded query (matching ``where``), with
        their cosine similarity; visible or not (see ``visible_ids``)."""
        result = self._collection.query(
            query_embeddings=[list(map(float, vector))],
            n_results=k,
            where=where,
            include=["distances"],
        )
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def visible_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        """Those of the chunks that exist and are visible."""
        if not chunk_ids:
            return set()
        found = self._collection.get(ids=list(chunk_ids), include=["metadatas"])
        live = self.live()
        return {
            chunk_id
            for chunk_id, meta in zip(found["ids"], found["metadatas"], strict=True)
            if is_visible(meta, live)
        }

    def passage(self, chunk_id: str) -> Passage | None:
        """One stored chunk by its id (a citation's target), or None when it is gone."""
        found = self._collection.get(ids=[chunk_id], include=["documents", "metadatas"])
        if not found["ids"] or not is_visible(found["metadatas"][0], self.live()):
            return None
        meta = dict(found["metadatas"][0] or {})
        return passage_from_record(chunk_id, found["documents"][0] or "", meta, 1.0)

    def passages(self, chunk_ids: Sequence[str], vector: Any) -> list[Passage]:
        """The given chunks, scored by cosine similarity to an embedded query."""
        if not chunk_ids:
            return []
        found = self._collection.get(
            ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"]
        )
        query = np.asarray(vector, dtype=np.float32)
        live = self.live()
        by_id = {}
        for chunk_id, text, meta, embedding in zip(
            found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True
        ):
            if not is_visible(meta, live):
                continue
            stored = np.asarray(embedding, dtype=np.float32)
            norm = float(np.linalg.norm(stored) * np.linalg.norm(query)) or 1.0
            score = float(stored @ query) / norm
            by_id[chunk_id] = passage_from_record(chunk_id, text or "", dict(meta or {}), score)
        return [by_id[chunk_id] for chunk_id in chunk_ids if chunk_id in by_id]


def passage_from_record(chunk_id: str, text: str, meta: Any, score: float) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        document_id=str(meta["document_id"]),
        document=str(meta["document"]),
        title=str(meta["title"]),
        heading=str(meta.get("heading", "")),
        text=text,
        lang=str(meta.get("lang", "")),
        score=round(score, 4),
        links=url_list(meta.get("links")),
        images=url_list(meta.get("images")),
    )
