"""Hybrid retrieval: dense vectors and BM25 fused by reciprocal rank, then an optional rerank.

The dense list finds paraphrases and crosses languages (a Chinese question finds an English
passage); the BM25 list finds exact rare words. Each passage keeps its cosine similarity as
``score`` whichever list found it, so thresholds mean the same thing for every passage.
"""

import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from ingest.lexical import BM25Index, reciprocal_rank_fusion
from ingest.store import KnowledgeStore, Passage
from models.language import detect_language


class Reranker(Protocol):
    """Scores (query, passage) pairs; higher is more relevant (a cross-encoder)."""

    name: str

    def score(self, query: str, texts: Sequence[str]) -> list[float]: ...


def _and(where: dict[str, Any] | None, condition: dict[str, Any]) -> dict[str, Any]:
    return {"$and": [where, condition]} if where else condition


def lexical_text(title: str, heading: str, text: str) -> str:
    return "\n".join(part for part in (title, heading, text) if part)


class HybridRetriever:
    """Searches the knowledge store by meaning and by words; one per process.

    The BM25 index is built from the store's visible chunks and rebuilt when this process writes
    to the store, when the chunk count or the catalog's versions change, or after
    ``refresh_seconds`` (another worker may have
    edited a document without changing the count).
    """

    def __init__(
        self,
        store: KnowledgeStore,
        *,
        candidates: int = 20,
        reranker: Reranker | None = None,
        refresh_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.candidates = candidates
        self.reranker = reranker
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._index: BM25Index | None = None
        self._signature: tuple[int, int, int] = (-1, -1, 0)
        self._built_at = 0.0

    def index(self) -> BM25Index:
        live = self.store.live()
        # A version committed by another worker changes the catalog, not always the count.
        signature = (
            self.store.generation,
            self.store.count(),
            hash(frozenset(live.items())) if live is not None else 0,
        )
        with self._lock:
            stale = time.monotonic() - self._built_at > self.refresh_seconds
            if self._index is None or signature != self._signature or stale:
                records = self.store.records()
                self._index = BM25Index(
                    (
                        chunk_id,
                        lexical_text(
                            str(meta.get("title", "")), str(meta.get("heading", "")), text
                        ),
                    )
                    for chunk_id, text, meta in records
                )
                self._signature = signature
                self._built_at = time.monotonic()
            return self._index

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        """The ``k`` best passages for the query, optionally only those matching ``where``
        (Chroma metadata filter: ``{"lang": "zh"}``, ``{"document": "returns.md"}``...)."""
        if self.store.count() == 0 or not query.strip():
            return []
        index = self.index()
        vector = self.store.embedder.embed([query])[0]
        pool = max(self.candidates, k)
        dense = self.store.search_by_vector(vector, pool, where)
        # Words only meet words of the same language, and a small multilingual model ranks
        # same-language passages first: the other language gets a dense list of its own.
        other = "en" if detect_language(query) == "zh" else "zh"
        crossing = self.store.search_by_vector(vector, pool, _and(where, {"lang": other}))
        allowed = {chunk_id for chunk_id, _, _ in self.store.records(where)} if where else None
        lexical = index.search(query, pool, allowed)
        fused = reciprocal_rank_fusion(
            [[p.chunk_id for p in ranked] for ranked in (dense, lexical, crossing)]
        )
        wanted = fused[: max(k, pool if self.reranker else k)]
        by_id = {p.chunk_id: p for p in (*crossing, *dense)}
        missing = [chunk_id for chunk_id in wanted if chunk_id not in by_id]
        by_id.update({p.chunk_id: p for p in self.store.passages(missing, vector)})
        ranked = [by_id[chunk_id] for chunk_id in wanted if chunk_id in by_id]
        if self.reranker is not None and ranked:
            ranked = self._rerank(query, ranked)
        return ranked[:k]

    def _rerank(self, query: str, passages: list[Passage]) -> list[Passage]:
        assert self.reranker is not None
        scores = self.reranker.score(
            query, [lexical_text(p.title, p.heading, p.text) for p in passages]
        )
        order = sorted(range(len(passages)), key=lambda i: -scores[i])
        return [passages[i] for i in order]

    def coverage(self, query: str, text: str) -> float:
        """The share of the query's word weight found in the text (see BM25Index.coverage)."""
        return self.index().coverage(query, text)

    def similarity(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of each text to the query, by the store's embedder."""
        if not texts:
            return []
        vectors = self.store.embedder.embed([query, *texts])
        return [float(v) for v in vectors[1:] @ vectors[0]]
