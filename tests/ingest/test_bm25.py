"""The numpy BM25 index against a plain reference implementation, fresh and after updates."""

import math
import random
from collections import Counter

import pytest

from ingest.bm25 import BM25Index
from ingest.lexical import terms

CORPUS = [
    ("returns-en-1", "You can return most items within 30 days of delivery for a full refund."),
    ("returns-en-2", "Opened bedding can't be returned; unopened bedding within 7 days."),
    ("ship-en-1", "Express next-day delivery costs ¥15 and ships with SF Express."),
    ("ship-en-2", "Orders of ¥199 or more ship free; remote regions pay a ¥20 surcharge."),
    ("invoice-en", "We issue a VAT special invoice (fapiao) to companies on request."),
    ("kettle-en", "The Zephyr kettle boils a litre in 3 minutes; its lid seals tight."),
    ("returns-zh-1", "签收后30天内可以申请退货退款，已拆封的小家电15天内可退。"),
    ("ship-zh-1", "中国大陆地区订单实付满¥199包邮，不满¥199收取¥10标准运费。"),
    ("ship-zh-2", "次日达每单¥15，由顺丰速运承运，限上海、北京、杭州。"),
    ("invoice-zh", "我们为企业开具增值税专用发票，请提供抬头和税号。"),
    ("pay-zh", "支持支付宝、微信支付和花呗分期，花呗三期免息。"),
    ("same-a", "Gift cards are valid for three years."),
    ("same-b", "Gift cards are valid for three years."),
]
QUERIES = [
    "How many days do I have to return an item?",
    "express delivery cost",
    "can I get a fapiao",
    "zephyr kettle lid",
    "退货期限是多久？",
    "满多少钱包邮？",
    "能开专票吗",
    "花呗分期",
    "gift card validity",
    "nothing matches this at all qqq",
]


class ReferenceBM25:
    """Okapi BM25 written out plainly: a score per matching chunk, all of them sorted."""

    def __init__(self, documents: list[tuple[str, str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.ids = [chunk_id for chunk_id, _ in documents]
        self.counts = [Counter(terms(text)) for _, text in documents]
        self.lengths = [sum(c.values()) for c in self.counts]
        self.average = sum(self.lengths) / len(self.lengths)

    def idf(self, term: str) -> float:
        df = sum(1 for counts in self.counts if term in counts)
        n = len(self.ids)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        scores: dict[int, float] = {}
        for term in set(terms(query)):
            for index, counts in enumerate(self.counts):
                count = counts.get(term, 0)
                if count:
                    norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.average)
                    scores[index] = scores.get(index, 0.0) + self.idf(term) * count * (
                        self.k1 + 1
                    ) / (count + norm)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        hits = [(self.ids[i], round(s, 4)) for i, s in ranked]
        return [h for h in hits if allowed is None or h[0] in allowed][:k]


def hits(
    index: BM25Index, query: str, k: int, allowed: set[str] | None = None
) -> list[tuple[str, float]]:
    return [(hit.chunk_id, hit.score) for hit in index.search(query, k, allowed)]


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_ranks_and_scores_as_the_reference(query: str) -> None:
    index, reference = BM25Index(CORPUS), ReferenceBM25(CORPUS)
    for k in (1, 3, len(CORPUS)):
        assert hits(index, query, k) == reference.search(query, k)
    allowed = {"returns-en-2", "returns-zh-1", "ship-zh-1", "invoice-zh", "same-b"}
    assert hits(index, query, 5, allowed) == reference.search(query, 5, allowed)
    for term in terms(query):
        assert index.idf(term) == reference.idf(term)


def test_ties_go_to_the_chunk_indexed_first() -> None:
    found = BM25Index(CORPUS).search("gift card validity", 2)
    assert [hit.chunk_id for hit in found] == ["same-a", "same-b"]
    assert found[0].score == found[1].score


def test_an_updated_index_searches_as_a_fresh_one_of_the_same_chunks() -> None:
    rng = random.Random(5)
    texts = [text for _, text in CORPUS]
    chunks = list(CORPUS)
    index = BM25Index(chunks)
    older = index
    for step in range(60):
        present = [chunk_id for chunk_id, _ in chunks]
        removed = set(rng.sample(present, min(len(present), rng.randint(0, 3))))
        added = [
            (f"new-{step}-{n}", f"{rng.choice(texts)} marker{step}")
            for n in range(rng.randint(0, 3))
        ]
        if step % 10 == 0 and chunks:  # an id already indexed comes back with a new text
            added.append((chunks[0][0], f"{rng.choice(texts)} replaced{step}"))
        index = index.replaced(removed, added)
        renewed = {chunk_id for chunk_id, _ in added}
        chunks = [c for c in chunks if c[0] not in removed | renewed] + added
        if chunks:
            reference = ReferenceBM25(chunks)
            for query in QUERIES[:4]:
                assert hits(index, query, 5) == reference.search(query, 5), step
    reference = ReferenceBM25(chunks)
    assert len(index) == len(chunks) and index.ids == [chunk_id for chunk_id, _ in chunks]
    for query in [*QUERIES, "marker3", "marker59 kettle", "replaced50"]:
        assert hits(index, query, 8) == reference.search(query, 8)
        for term in terms(query):
            assert index.idf(term) == pytest.approx(reference.idf(term), abs=1e-12)
    # An index is never changed by the ones made from it.
    assert hits(older, "express delivery cost", 20) == ReferenceBM25(CORPUS).search(
        "express delivery cost", 20
    )


def test_a_removed_chunk_is_not_found_while_its_postings_remain() -> None:
    index = BM25Index(CORPUS).replaced({"kettle-en", "invoice-zh"}, [])
    assert index.segments == 1  # removed in place: the postings stay, the chunk is dead
    assert index.search("zephyr kettle", 3) == [] and index.search("专票", 3) == []
    rest = [c for c in CORPUS if c[0] not in {"kettle-en", "invoice-zh"}]
    for query in QUERIES:
        assert hits(index, query, 5) == ReferenceBM25(rest).search(query, 5)


def test_many_small_updates_leave_few_segments() -> None:
    index = BM25Index(CORPUS)
    for step in range(300):
        index = index.replaced({f"doc-{step - 5}"}, [(f"doc-{step}", f"kettle number {step}")])
    assert len(index) == len(CORPUS) + 5
    assert index.segments <= 6
    assert [hit.chunk_id for hit in index.search("299", 3)] == ["doc-299"]
    assert "doc-3" not in index and "doc-3" not in [h.chunk_id for h in index.search("3", 9)]


def test_coverage_weighs_the_question_by_idf() -> None:
    index = BM25Index(
        [
            ("a", "Refunds go back to the original payment method within 5 business days."),
            ("b", "We issue a VAT special invoice (fapiao) to companies only."),
            ("c", "Payment must be completed within 30 minutes."),
        ]
    )
    assert index.coverage("fapiao for my company", "VAT invoice (fapiao) for companies") == 1.0
    assert index.coverage("fapiao for my dog", "VAT invoice (fapiao) for companies") < 0.6
    assert index.coverage("the of and", "anything") == 0.0


def test_an_empty_index_finds_nothing() -> None:
    empty = BM25Index([])
    assert len(empty) == 0 and empty.search("kettle", 3) == []
    grown = empty.replaced(set(), [("a", "kettle")])
    assert [hit.chunk_id for hit in grown.search("kettle", 3)] == ["a"]
    assert grown.replaced({"a"}, []).search("kettle", 3) == []
