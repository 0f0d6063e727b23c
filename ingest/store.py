"""The knowledge store: document chunks and their vectors in a Chroma collection."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

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

    def metadata(self) -> dict[str, str | int]:
        return {
            "document_id": self.document_id,
            "document": self.document,
            "title": self.title,
            "heading": self.heading,
            "lang": self.lang,
            "content_hash": self.content_hash,
            "position": self.position,
        }


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
    """Chunks and vectors of every document; vectors come from Kefu's embedder, not Chroma's."""

    def __init__(self, client: Any, embedder: Embedder) -> None:
        self.embedder = embedder
        self._client = client
        self._collection = client.get_or_create_collection(
            name=collection_name(embedder.name),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def heartbeat(self) -> bool:
        self._client.heartbeat()
        return True

    def count(self) -> int:
        return int(self._collection.count())

    def chunk_ids(self, document_id: str) -> set[str]:
        found = self._collection.get(where={"document_id": document_id}, include=[])
        return set(found["ids"])

    def add(self, chunks: Sequence[StoredChunk], vectors: Vectors) -> None:
        if not chunks:
            return
        self._collection.upsert(
            ids=[c.id for c in chunks],
            embeddings=vectors.tolist(),
            documents=[c.text for c in chunks],
            metadatas=[c.metadata() for c in chunks],
        )

    def update_metadata(self, chunks: Sequence[StoredChunk]) -> None:
        if chunks:
            self._collection.update(
                ids=[c.id for c in chunks], metadatas=[c.metadata() for c in chunks]
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self._collection.delete(ids=list(chunk_ids))

    def delete_document(self, document_id: str) -> None:
        self._collection.delete(where={"document_id": document_id})

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        if self.count() == 0:
            return []
        vector = self.embedder.embed([query])
        result = self._collection.query(
            query_embeddings=vector.tolist(),
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        passages = []
        for chunk_id, text, meta, distance in zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        ):
            passages.append(
                Passage(
                    chunk_id=chunk_id,
                    document_id=str(meta["document_id"]),
                    document=str(meta["document"]),
                    title=str(meta["title"]),
                    heading=str(meta.get("heading", "")),
                    text=text,
                    lang=str(meta.get("lang", "")),
                    score=round(1.0 - float(distance), 4),
                )
            )
        return passages
