"""Exact nearest neighbours over unit vectors held in one numpy matrix.

Chroma answers an unfiltered query from its HNSW graph in a few milliseconds, but a query
filtered by metadata (``where={"lang": "en"}``) first collects every matching id from SQLite:
over 200 ms at 100k chunks. The retriever's list of the other language is searched here
instead: one matrix-vector product over that language's chunks (about 5 ms for 50k).

Immutable like ``BM25Index``: ``replaced`` returns a new index. New rows are written past the
rows of the index they replace, into a buffer the two share (older indexes never read there),
so an update copies nothing but the mask of live rows, until the buffer must grow. Searches
need no lock; ``replaced`` calls must not run at the same time (the mirror holds its lock).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


@dataclass
class _Rows:
    """Rows written so far, shared by the indexes made from one another."""

    matrix: Matrix
    ids: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.ids)


class VectorIndex:
    """Cosine similarity (the dot product of unit vectors) of a query to every live row."""

    def __init__(self, ids: Sequence[str], vectors: Matrix) -> None:
        self._fill(list(ids), [np.asarray(vectors, dtype=np.float32)], int(vectors.shape[1]))

    @classmethod
    def empty(cls, dimension: int) -> "VectorIndex":
        return cls([], np.zeros((0, dimension), dtype=np.float32))

    @classmethod
    def from_parts(cls, ids: list[str], parts: list[Matrix]) -> "VectorIndex":
        """An index of the parts' rows, in order; the parts are emptied as they are copied,
        so the vectors are not held twice."""
        index = cls.__new__(cls)
        index._fill(ids, parts, int(parts[0].shape[1]))
        return index

    def _fill(self, ids: list[str], parts: list[Matrix], dimension: int) -> None:
        rows = _Rows(np.zeros((_capacity(len(ids)), dimension), dtype=np.float32), ids)
        written = 0
        while parts:
            part = parts.pop(0)
            rows.matrix[written : written + len(part)] = part
            written += len(part)
        if written != len(ids):
            raise ValueError(f"{len(ids)} ids for {written} vectors")
        self._set(rows, written, np.ones(written, dtype=bool), _rows_by_id(ids))

    def _set(
        self, rows: _Rows, size: int, alive: npt.NDArray[np.bool_], row_of: dict[str, int]
    ) -> None:
        self._rows = rows
        self._size = size
        self._alive = alive
        self._count = len(row_of)
        self._row_of = row_of  # id -> row, live rows only

    def __len__(self) -> int:
        return self._count

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._row_of

    @property
    def dimension(self) -> int:
        return int(self._rows.matrix.shape[1])

    def replaced(
        self, removed: Collection[str], added_ids: Sequence[str], added: Matrix
    ) -> "VectorIndex":
        """A new index without the ``removed`` rows and with the ``added`` ones (an added id
        already present replaces its row); this one is unchanged."""
        alive = self._alive.copy()
        row_of = dict(self._row_of)
        for chunk_id in {*removed, *added_ids}:
            row = row_of.pop(chunk_id, None)
            if row is not None:
                alive[row] = False
        rows = self._rows
        if rows.written != self._size or len(row_of) * 2 < self._size:
            # Another index wrote past this one's rows, or half are dead: copy the live rows.
            keep = np.flatnonzero(alive)
            rows = _Rows(self._rows.matrix[keep].copy(), [self._rows.ids[r] for r in keep])
            alive = np.ones(len(keep), dtype=bool)
            row_of = _rows_by_id(rows.ids)
        row_of.update(_rows_by_id(added_ids, start=rows.written))
        size = rows.written + len(added_ids)
        if size > rows.matrix.shape[0]:
            grown = np.zeros((_capacity(size), self.dimension), np.float32)
            grown[: rows.written] = rows.matrix[: rows.written]
            rows.matrix = grown  # rows older indexes read keep their values
        rows.matrix[rows.written : size] = np.asarray(added, dtype=np.float32).reshape(
            len(added_ids), self.dimension
        )
        rows.ids.extend(added_ids)
        index = VectorIndex.__new__(VectorIndex)
        alive = np.concatenate([alive, np.ones(len(added_ids), dtype=bool)])
        index._set(rows, size, alive, row_of)
        return index

    def nearest(
        self, vector: npt.ArrayLike, k: int, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` live rows most similar to the vector (only ``allowed`` ids, when given),
        with their similarity, most similar first."""
        if k <= 0 or not self._count:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(self.dimension)
        scores = self._rows.matrix[: self._size] @ query
        keep = self._alive
        if allowed is not None:
            keep = np.zeros(self._size, dtype=bool)
            keep[[self._row_of[i] for i in allowed if i in self._row_of]] = True
        candidates = np.flatnonzero(keep)
        if candidates.size > k:
            best = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[best]
        order = np.argsort(-scores[candidates], kind="stable")
        return [(self._rows.ids[row], float(scores[row])) for row in candidates[order].tolist()]


def _capacity(rows: int) -> int:
    """Room for ``rows`` and an eighth more: uploads after a build write into it without
    copying the matrix (the copy of 100k vectors takes 0.1 s and doubles their memory)."""
    return rows + max(256, rows // 8)


def _rows_by_id(ids: Sequence[str], start: int = 0) -> dict[str, int]:
    return {chunk_id: row for row, chunk_id in enumerate(ids, start=start)}
