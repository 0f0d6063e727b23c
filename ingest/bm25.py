"""Okapi BM25 over postings kept in numpy arrays, updated by copy.

An index is a few immutable segments (each chunk's terms, stored by term as arrays of chunk
slots and counts) and a mask of the chunks still alive. Replacing chunks marks the old ones
dead and adds a small segment; segments of similar size are merged as they come, so there
are few, and a merge costs in proportion to what it merges. Scores are summed term by term
into one dense array and the best ``k`` are cut with ``argpartition``: a query costs in
proportion to the postings of its terms, with no Python object per matched chunk.
"""

import math
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ingest.lexical import document_terms, terms

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Slots = npt.NDArray[np.int32]
Counts = npt.NDArray[np.float32]

IDF_CACHE_TERMS = 65536
MERGE_BELOW = 2048  # segments this small (in chunks) are merged whatever the sizes around


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float


@dataclass(frozen=True)
class _Segment:
    """The postings of a batch of chunks: row ``r`` (a term) holds the slots of the chunks
    that contain it, ascending, and how often each does, at ``starts[r]:starts[r + 1]``."""

    ids: tuple[str, ...]
    positions: dict[str, int]  # id -> slot
    lengths: Floats  # terms per chunk, by slot
    rows: dict[str, int]  # term -> row, in row order
    starts: Ints
    slots: Slots
    counts: Counts

    def __len__(self) -> int:
        return len(self.ids)

    def postings(self, term: str) -> tuple[Slots, Counts] | None:
        row = self.rows.get(term)
        if row is None:
            return None
        start, end = self.starts[row], self.starts[row + 1]
        return self.slots[start:end], self.counts[start:end]


def _build_segment(documents: Iterable[tuple[str, str]]) -> _Segment:
    """Segments the texts (jieba, stemming) and stores their postings."""
    ids: list[str] = []
    lengths = array("d")
    rows: dict[str, int] = {}
    term_of = array("i")
    counts = array("f")
    distinct = array("i")
    for chunk_id, text in documents:
        found = Counter(document_terms(text))
        ids.append(chunk_id)
        lengths.append(float(sum(found.values())))
        term_of.extend([rows.setdefault(term, len(rows)) for term in found])
        counts.extend(map(float, found.values()))
        distinct.append(len(found))
    return _from_columns(
        ids,
        np.frombuffer(lengths, dtype=np.float64).copy(),
        rows,
        np.frombuffer(term_of, dtype=np.int32),
        np.repeat(np.arange(len(ids), dtype=np.int32), np.frombuffer(distinct, dtype=np.int32)),
        np.frombuffer(counts, dtype=np.float32),
    )


def _from_columns(
    ids: Sequence[str],
    lengths: Floats,
    rows: dict[str, int],
    term_of: npt.NDArray[np.integer[Any]],
    slot_of: npt.NDArray[np.integer[Any]],
    counts: Counts,
) -> _Segment:
    order = np.lexsort((slot_of, term_of))
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=len(rows)), out=starts[1:])
    return _Segment(
        ids=tuple(ids),
        positions={chunk_id: slot for slot, chunk_id in enumerate(ids)},
        lengths=lengths,
        rows=rows,
        starts=starts,
        slots=slot_of[order].astype(np.int32),
        counts=counts[order],
    )


def _merge(segments: Sequence[_Segment], alive: Sequence[npt.NDArray[np.bool_]]) -> _Segment:
    """One segment of the live chunks of several, in their order, without segmenting again."""
    rows: dict[str, int] = {}
    ids: list[str] = []
    term_parts: list[Ints] = []
    slot_parts: list[Ints] = []
    count_parts: list[Counts] = []
    length_parts: list[Floats] = []
    for segment, live in zip(segments, alive, strict=True):
        new_slot = np.cumsum(live, dtype=np.int64) - 1 + len(ids)
        row_map = np.fromiter(
            (rows.setdefault(term, len(rows)) for term in segment.rows),
            dtype=np.int64,
            count=len(segment.rows),
        )
        posting_rows = np.repeat(
            np.arange(len(segment.rows), dtype=np.int64), np.diff(segment.starts)
        )
        keep = live[segment.slots]
        term_parts.append(row_map[posting_rows[keep]])
        slot_parts.append(new_slot[segment.slots[keep]])
        count_parts.append(segment.counts[keep])
        length_parts.append(segment.lengths[live])
        ids.extend(chunk_id for chunk_id, kept in zip(segment.ids, live, strict=True) if kept)
    return _from_columns(
        ids,
        np.concatenate(length_parts),
        rows,
        np.concatenate(term_parts),
        np.concatenate(slot_parts),
        np.concatenate(count_parts),
    )


class BM25Index:
    """Okapi BM25 over the chunks' terms, held in numpy arrays; immutable: ``replaced`` makes
    a new index that shares the unchanged parts, so searches need no lock."""

    def __init__(
        self, documents: Iterable[tuple[str, str]] = (), k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.k1 = k1
        self.b = b
        segment = _build_segment(documents)
        self._set([segment], [np.ones(len(segment), dtype=bool)])

    def _set(self, segments: list[_Segment], alive: list[npt.NDArray[np.bool_]]) -> None:
        kept = [(s, a) for s, a in zip(segments, alive, strict=True) if len(s)]
        self._segments = tuple(s for s, _ in kept)
        self._alive = tuple(a for _, a in kept)
        self._offsets = np.cumsum([0, *(len(s) for s in self._segments)], dtype=np.int64)
        if self._segments:
            self._lengths = np.concatenate([s.lengths for s in self._segments])
            self._live = np.concatenate(self._alive)
        else:
            self._lengths, self._live = np.zeros(0), np.zeros(0, dtype=bool)
        self._count = int(np.count_nonzero(self._live))
        self._dead = int(self._live.size) - self._count
        self._average = float(self._lengths[self._live].mean()) if self._count else 0.0
        self._idf: dict[str, float] = {}

    def __len__(self) -> int:
        return self._count

    def __contains__(self, chunk_id: object) -> bool:
        return isinstance(chunk_id, str) and self._slot(chunk_id) is not None

    def _slot(self, chunk_id: str) -> int | None:
        """The live slot of a chunk, counted over all segments."""
        for position in range(len(self._segments) - 1, -1, -1):
            slot = self._segments[position].positions.get(chunk_id)
            if slot is not None and self._alive[position][slot]:
                return int(self._offsets[position]) + slot
        return None

    @property
    def ids(self) -> list[str]:
        """The ids of the indexed chunks, in the order they were added."""
        return [
            chunk_id
            for segment, live in zip(self._segments, self._alive, strict=True)
            for chunk_id, kept in zip(segment.ids, live, strict=True)
            if kept
        ]

    @property
    def segments(self) -> int:
        return len(self._segments)

    def replaced(self, removed: Collection[str], added: Iterable[tuple[str, str]]) -> "BM25Index":
        """A new index without the ``removed`` chunks and with the ``added`` ones (an added
        id already indexed replaces it); this one is unchanged."""
        added = list(added)
        alive = list(self._alive)
        for chunk_id in {*removed, *(chunk_id for chunk_id, _ in added)}:
            slot = self._slot(chunk_id)
            if slot is None:
                continue
            position = int(np.searchsorted(self._offsets, slot, side="right")) - 1
            if alive[position] is self._alive[position]:
                alive[position] = alive[position].copy()
            alive[position][slot - int(self._offsets[position])] = False
        segments = list(self._segments)
        if added:
            segments.append(_build_segment(added))
            alive.append(np.ones(len(added), dtype=bool))
        index = BM25Index.__new__(BM25Index)
        index.k1, index.b = self.k1, self.b
        index._set(*_compacted(segments, alive))
        return index

    def idf(self, term: str) -> float:
        cached = self._idf.get(term)
        if cached is not None:
            return cached
        df = 0
        for segment, live in zip(self._segments, self._alive, strict=True):
            found = segment.postings(term)
            if found is not None:
                df += len(found[0]) if self._dead == 0 else int(np.count_nonzero(live[found[0]]))
        value = math.log(1.0 + (self._count - df + 0.5) / (df + 0.5))
        if len(self._idf) >= IDF_CACHE_TERMS:
            self._idf.clear()
        self._idf[term] = value
        return value

    def search(
        self, query: str, k: int, allowed: Collection[str] | None = None
    ) -> list[LexicalHit]:
        """The best ``k`` chunks for the query's terms (only ``allowed`` ids, when given),
        best first; ties go to the chunk indexed first."""
        if k <= 0 or not self._count:
            return []
        scores = np.zeros(self._lengths.size, dtype=np.float64)
        k1, b, average = self.k1, self.b, self._average
        matched = False
        for term in set(terms(query)):
            idf = self.idf(term)
            for segment, offset in zip(self._segments, self._offsets, strict=False):
                found = segment.postings(term)
                if found is None:
                    continue
                slots = found[0] + offset
                counts = found[1].astype(np.float64)  # summed as the reference BM25 sums
                norm = k1 * (1 - b + b * self._lengths[slots] / average)
                scores[slots] += idf * counts * (k1 + 1) / (counts + norm)
                matched = True
        if not matched:
            return []
        if self._dead:
            scores[~self._live] = 0.0
        if allowed is not None:
            keep = np.zeros(scores.size, dtype=bool)
            keep[[slot for i in allowed if (slot := self._slot(i)) is not None]] = True
            scores[~keep] = 0.0
        return self._best(scores, k)

    def _best(self, scores: Floats, k: int) -> list[LexicalHit]:
        candidates = np.flatnonzero(scores > 0.0)
        if candidates.size > k:
            values = scores[candidates]
            kth = np.partition(values, values.size - k)[values.size - k]
            candidates = candidates[values >= kth]  # ties at the cut stay; the sort decides
        order = np.lexsort((candidates, -scores[candidates]))[:k]
        return [
            LexicalHit(self._id_at(int(slot)), round(float(scores[slot]), 4))
            for slot in candidates[order]
        ]

    def _id_at(self, slot: int) -> str:
        position = int(np.searchsorted(self._offsets, slot, side="right")) - 1
        return self._segments[position].ids[slot - int(self._offsets[position])]

    def coverage(self, query: str, text: str) -> float:
        """How much of the query's weight (IDF) the text contains: 1.0 when every term of the
        question occurs in it, near 0 when only common words do."""
        wanted = set(terms(query))
        if not wanted:
            return 0.0
        present = set(terms(text))
        total = sum(self.idf(term) for term in wanted)
        return sum(self.idf(term) for term in wanted & present) / total if total else 0.0

    def memory_bytes(self) -> int:
        """The size of the arrays (not of the dictionaries of terms and ids)."""
        arrays: list[Any] = [self._lengths, self._live, *self._alive]
        for segment in self._segments:
            arrays += [segment.lengths, segment.starts, segment.slots, segment.counts]
        return sum(int(a.nbytes) for a in arrays)


def _compacted(
    segments: list[_Segment], alive: list[npt.NDArray[np.bool_]]
) -> tuple[list[_Segment], list[npt.NDArray[np.bool_]]]:
    """Segments rewritten when half dead, and the last ones merged while the one before is
    no more than twice their size (or small): few segments, each merge paid by what it
    merges."""
    for position, live in enumerate(alive):
        if live.size and np.count_nonzero(live) * 2 < live.size:
            segments[position] = _merge([segments[position]], [live])
            alive[position] = np.ones(len(segments[position]), dtype=bool)
    while len(segments) > 1:
        last, before = np.count_nonzero(alive[-1]), np.count_nonzero(alive[-2])
        if before > 2 * last and before >= MERGE_BELOW:
            break
        merged = _merge(segments[-2:], alive[-2:])
        segments[-2:] = [merged]
        alive[-2:] = [np.ones(len(merged), dtype=bool)]
    return segments, alive
