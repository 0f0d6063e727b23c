"""Hybrid retrieval: dense vectors and BM25 fused by reciprocal rank, then an optional rerank.

The dense list finds paraphrases and crosses languages (a Chinese question finds an English
passage); the BM25 list finds exact rare words. Each passage keeps its cosine similarity as
``score`` whichever list found it, so thresholds mean the same thing for every passage.
"""

from collections.abc import Sequence
from typing import Any, Protocol

from ingest.bm25 import BM25Index
from ingest.lexical import reciprocal_rank_fusion
from ingest.mirror import Snapshot, StoreMirror, lexical_text
from ingest.store import KnowledgeStore, Passage
from models.language import detect_language

__all__ = ["HybridRetriever", "Reranker", "lexical_text"]

# Passages fetched beyond those wanted, standing in for any that turn out no longer visible.
SPARE_PASSAGES = 4
# Chunks of a version being written take places in Chroma's answer and are dropped.
INVISIBLE_ALLOWANCE = 8


class Reranker(Protocol):
    """Scores (query, passage) pairs; higher is more relevant (a cross-encoder)."""

    name: str

    def score(self, query: str, texts: Sequence[str]) -> list[float]: ...


class HybridRetriever:
    """Searches the knowledge store by meaning and by words; one per process.

    Three ranked lists are fused: the nearest chunks by Chroma's vector index, the nearest
    chunks of the other language (searched in memory: Chroma filters by metadata slowly), and
    BM25. The in-memory parts (``ingest.mirror``) start building in the background when the
    retriever is made, and follow the catalog; a store without a catalog is re-read when this
    process writes to it or its count changes, and every ``refresh_seconds`` in the
    background.
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
        self.mirror = StoreMirror(store, refresh_seconds)
        self.mirror.prepare()

    def index(self) -> BM25Index:
        """The BM25 index of the visible chunks, up to date with the catalog."""
        return self.mirror.current().index

    def search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        """The ``k`` best passages for the query, optionally only those matching ``where``
        (Chroma metadata filter: ``{"lang": "zh"}``, ``{"document": "returns.md"}``...)."""
        if not query.strip():
            return []
        snapshot = self.mirror.current()
        if not len(snapshot) and self.store.count() == 0:
            return []
        vector = self.store.embedder.embed([query])[0]
        pool = max(self.candidates, k)
        allowed = self.store.matching_ids(where) if where else None
        nearest = self.store.nearest(vector, pool + INVISIBLE_ALLOWANCE, where)
        dense = self._visible([chunk_id for chunk_id, _ in nearest], snapshot)[:pool]
        # Words only meet words of the same language, and a small multilingual model ranks
        # same-language passages first: the other language gets a dense list of its own.
        other = "en" if detect_language(query) == "zh" else "zh"
        vectors = snapshot.vectors.get(other)
        crossing = [i for i, _ in vectors.nearest(vector, pool, allowed)] if vectors else []
        lexical = [hit.chunk_id for hit in snapshot.index.search(query, pool, allowed)]
        fused = reciprocal_rank_fusion([dense, lexical, crossing])
        wanted = max(k, pool if self.reranker else k)
        ranked = self.store.passages(fused[: wanted + SPARE_PASSAGES], vector)[:wanted]
        if self.reranker is not None and ranked:
            ranked = self._rerank(query, ranked)
        return ranked[:k]

    def _visible(self, chunk_ids: list[str], snapshot: Snapshot) -> list[str]:
        """The chunks the snapshot knows as visible, and those the store says are (the
        snapshot may lag behind another worker's upload)."""
        unknown = {chunk_id for chunk_id in chunk_ids if chunk_id not in snapshot}
        confirmed = self.store.visible_ids(sorted(unknown)) if unknown else set()
        return [c for c in chunk_ids if c not in unknown or c in confirmed]

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
