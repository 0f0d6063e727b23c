"""Exact nearest neighbours in memory: the same answer as sorting every similarity."""

import numpy as np
import numpy.typing as npt
import pytest

from ingest.vectors import VectorIndex


def unit(rows: int, seed: int) -> npt.NDArray[np.float32]:
    vectors = np.random.default_rng(seed).standard_normal((rows, 8)).astype(np.float32)
    normalised: npt.NDArray[np.float32] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return normalised


def brute_force(
    ids: list[str], vectors: npt.NDArray[np.float32], query: npt.NDArray[np.float32], k: int
) -> list[str]:
    order = np.argsort(-(vectors @ query), kind="stable")[:k]
    return [ids[i] for i in order]


def test_nearest_is_the_top_of_all_similarities() -> None:
    vectors, query = unit(200, 1), unit(1, 2)[0]
    ids = [f"c{i}" for i in range(200)]
    index = VectorIndex(ids, vectors)
    found = index.nearest(query, 10)
    assert [chunk_id for chunk_id, _ in found] == brute_force(ids, vectors, query, 10)
    assert found[0][1] == pytest.approx(float(np.max(vectors @ query)))
    allowed = set(ids[::3])
    kept = [i for i, c in enumerate(ids) if c in allowed]
    expected = brute_force([ids[i] for i in kept], vectors[kept], query, 5)
    assert [chunk_id for chunk_id, _ in index.nearest(query, 5, allowed)] == expected


def test_updates_leave_earlier_indexes_as_they_were() -> None:
    vectors, more, query = unit(50, 3), unit(30, 4), unit(1, 5)[0]
    ids = [f"c{i}" for i in range(50)]
    first = VectorIndex(ids, vectors)
    before = first.nearest(query, 50)
    # Rows written past the first index's rows, into the buffer they share (and grown).
    second = first.replaced({"c0", "c1"}, [f"n{i}" for i in range(30)], more)
    third = second.replaced({"n0"}, ["c1"], vectors[1:2])
    # A branch from an index that is no longer the latest copies its rows.
    branch = first.replaced(set(), ["b0"], more[:1])
    third_before = third.nearest(query, 80)
    # More rows than the buffer has room for: it grows, and the earlier indexes still read it.
    grown = third.replaced(set(), [f"g{i}" for i in range(1000)], unit(1000, 7))
    assert len(grown) == 1078 and third.nearest(query, 80) == third_before
    assert first.nearest(query, 50) == before
    assert len(second) == 78 and "c0" not in second and "n29" in second
    assert len(third) == 78 and "c1" in third and "n0" not in third
    assert len(branch) == 51 and "n1" not in branch
    assert {chunk_id for chunk_id, _ in branch.nearest(query, 60)} == {*ids, "b0"}
    all_ids = [*ids[1:], *[f"n{i}" for i in range(1, 30)]]
    all_vectors = np.vstack([vectors[1:], more[1:]])
    expected = brute_force(all_ids, all_vectors, query, 12)
    assert [chunk_id for chunk_id, _ in third.nearest(query, 12)] == expected


def test_mostly_removed_rows_are_compacted_away() -> None:
    vectors = unit(40, 6)
    index = VectorIndex([f"c{i}" for i in range(40)], vectors)
    index = index.replaced({f"c{i}" for i in range(30)}, [], np.zeros((0, 8), np.float32))
    assert len(index) == 10
    assert {c for c, _ in index.nearest(vectors[35], 3)} <= {f"c{i}" for i in range(30, 40)}
    assert index.nearest(vectors[35], 1)[0][0] == "c35"
