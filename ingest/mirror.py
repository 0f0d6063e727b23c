"""The visible chunks of a knowledge store, mirrored in memory for the searches Chroma does
slowly: by words (BM25) and by meaning within one language.

A mirror holds a BM25 index of the visible chunks, their vectors by language and which chunks
each document has, as of the catalog versions it last saw. It follows the catalog: when the
versions change (an upload or a deletion, in this process or another worker), only the
documents whose versions changed are read again, so an edit costs in proportion to the
document, not the store. Snapshots are immutable: a search uses the one it got, without a
lock, while the next is made.

The first build reads every chunk and segments its words (about a minute at 100k chunks): it
runs in a background thread from ``prepare``, and a search that comes sooner waits for it.
Later full rebuilds run in the background while the previous snapshot serves: for a store
without a catalog, every ``refresh_seconds``; when a large share of the documents changed at
once. A snapshot may so lag behind the store; the retriever checks visibility when it fetches
the passages, so a chunk that is gone is never served.
"""

import logging
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from ingest.bm25 import BM25Index
from ingest.store import KnowledgeStore, StoredRecord
from ingest.vectors import Matrix, VectorIndex

logger = logging.getLogger("kefu.ingest")

REBUILD_SHARE = 0.25  # when this share of the documents changed at once, rebuild in full
REBUILD_AT_LEAST = 64  # ... and at least this many


def lexical_text(title: str, heading: str, text: str) -> str:
    """What is indexed of a chunk: its title and heading carry its topic."""
    return "\n".join(part for part in (title, heading, text) if part)


@dataclass(frozen=True)
class Snapshot:
    """The visible chunks as of the catalog versions ``live`` (None: a store without a
    catalog, where every chunk is visible)."""

    index: BM25Index
    vectors: Mapping[str, VectorIndex]  # by language ("zh", "en")
    chunks: Mapping[str, frozenset[str]]  # document id -> its visible chunk ids
    live: Mapping[str, int] | None
    signature: tuple[int, int]  # the store's generation and count (for a store without catalog)
    built_at: float

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, chunk_id: object) -> bool:
        return any(chunk_id in vectors for vectors in self.vectors.values())


class StoreMirror:
    """Keeps a snapshot of the store's visible chunks up to date; one per retriever."""

    def __init__(self, store: KnowledgeStore, refresh_seconds: float = 60.0) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._rebuild: threading.Thread | None = None

    def prepare(self) -> None:
        """Starts building the first snapshot in the background (the first search waits for
        it only if it comes sooner)."""
        if self._snapshot is None:
            self._rebuild_in_background()

    def current(self) -> Snapshot:
        """The snapshot for a search, with the catalog's changes applied (only the documents
        that changed are read again); on the first call, the first build."""
        if self._snapshot is None:
            self.wait_for_rebuild()  # the first build, when ``prepare`` started it
        live = self.store.live()
        snapshot = self._snapshot
        if snapshot is not None and live is not None and live is snapshot.live:
            return snapshot  # made from this very read of the catalog
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None:
                snapshot = self._build()
            elif live is not None:
                snapshot = self._follow(snapshot, live)
            else:
                snapshot = self._check_without_catalog(snapshot)
            self._snapshot = snapshot
            return snapshot

    def wait_for_rebuild(self, timeout: float | None = None) -> None:
        """Returns once a background rebuild, if one runs, has finished."""
        rebuild = self._rebuild
        if rebuild is not None:
            rebuild.join(timeout)

    def _follow(self, snapshot: Snapshot, live: Mapping[str, int]) -> Snapshot:
        """The snapshot with the documents whose catalogued version changed read again."""
        seen = snapshot.live or {}
        if live == seen:
            return replace(snapshot, live=live)
        changed = {d for d, v in live.items() if seen.get(d) != v} | (seen.keys() - live.keys())
        if len(snapshot) and len(changed) > max(REBUILD_AT_LEAST, REBUILD_SHARE * len(seen)):
            self._rebuild_in_background()
            return snapshot
        return self._reread(snapshot, live, changed)

    def _reread(
        self, snapshot: Snapshot, live: Mapping[str, int], documents: Collection[str]
    ) -> Snapshot:
        records = [r for batch in self.store.visible_chunks(live, sorted(documents)) for r in batch]
        removed = {chunk_id for d in documents for chunk_id in snapshot.chunks.get(d, ())}
        chunks = {d: ids for d, ids in snapshot.chunks.items() if d not in documents}
        chunks.update(_by_document(records))
        added = _by_language(records)
        vectors = dict(snapshot.vectors)
        for lang, rows in added.items():
            vectors.setdefault(lang, VectorIndex.empty(rows[0].vector.size))
        for lang, table in vectors.items():
            rows = added.get(lang, [])
            vectors[lang] = table.replaced(
                removed, [r.id for r in rows], _matrix(rows, table.dimension)
            )
        return replace(
            snapshot,
            index=snapshot.index.replaced(removed, [(r.id, _text(r)) for r in records]),
            vectors=vectors,
            chunks=chunks,
            live=live,
        )

    def _check_without_catalog(self, snapshot: Snapshot) -> Snapshot:
        """A store without a catalog tells no versions: rebuilt at once when this process
        wrote or the count changed, and in the background every ``refresh_seconds`` (another
        process may have edited a document without changing the count)."""
        if self._signature() != snapshot.signature:
            return self._build()
        if time.monotonic() - snapshot.built_at > self.refresh_seconds:
            self._rebuild_in_background()
        return snapshot

    def _signature(self) -> tuple[int, int]:
        return self.store.generation, self.store.count()

    def _build(self) -> Snapshot:
        """Every visible chunk read and indexed."""
        started = time.monotonic()
        signature = self._signature()
        live = self.store.live()  # before the chunks: every chunk it names is stored already
        reading = _Reading(self.store.visible_chunks(live))
        index = BM25Index(reading.words())
        snapshot = Snapshot(
            index=index,
            vectors=reading.vectors(),
            chunks={d: frozenset(ids) for d, ids in reading.chunks.items()},
            live=live,
            signature=signature,
            built_at=time.monotonic(),
        )
        logger.info(
            "search mirror of %d chunks built in %.1f s", len(index), time.monotonic() - started
        )
        return snapshot

    def _rebuild_in_background(self) -> None:
        if self._rebuild is not None and self._rebuild.is_alive():
            return
        self._rebuild = threading.Thread(
            target=self._rebuild_now, name="kefu-search-mirror", daemon=True
        )
        self._rebuild.start()

    def _rebuild_now(self) -> None:
        try:
            built = self._build()
        except Exception:
            logger.exception("rebuilding the search mirror failed; the previous one serves")
            return
        with self._lock:
            # Changes since its catalog read are caught up by the next search (see _follow).
            self._snapshot = built


@dataclass
class _Reading:
    """One pass over the store's batches: words go to the BM25 index as they are read, vectors
    and document membership are gathered, so only a batch of texts is held at a time."""

    batches: Iterable[list[StoredRecord]]
    chunks: dict[str, set[str]] = field(default_factory=dict)
    ids: dict[str, list[str]] = field(default_factory=dict)
    parts: dict[str, list[Matrix]] = field(default_factory=dict)

    def words(self) -> Iterator[tuple[str, str]]:
        for batch in self.batches:
            for record in batch:
                self.chunks.setdefault(str(record.meta.get("document_id", "")), set()).add(
                    record.id
                )
                yield record.id, _text(record)
            for lang, rows in _by_language(batch).items():
                self.ids.setdefault(lang, []).extend(r.id for r in rows)
                self.parts.setdefault(lang, []).append(_matrix(rows, rows[0].vector.size))

    def vectors(self) -> dict[str, VectorIndex]:
        return {
            lang: VectorIndex.from_parts(ids, self.parts[lang]) for lang, ids in self.ids.items()
        }


def _text(record: StoredRecord) -> str:
    meta = record.meta
    return lexical_text(str(meta.get("title", "")), str(meta.get("heading", "")), record.text)


def _by_document(records: list[StoredRecord]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for record in records:
        found.setdefault(str(record.meta.get("document_id", "")), set()).add(record.id)
    return {document_id: frozenset(ids) for document_id, ids in found.items()}


def _by_language(records: list[StoredRecord]) -> dict[str, list[StoredRecord]]:
    found: dict[str, list[StoredRecord]] = {}
    for record in records:
        found.setdefault(str(record.meta.get("lang", "")), []).append(record)
    return found


def _matrix(records: list[StoredRecord], dimension: int) -> Matrix:
    if not records:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.stack([r.vector for r in records]).astype(np.float32, copy=False)
