"""Number checks, citations, sentence release and evidence selection."""

import pytest

from graphs.chat.evidence import select_evidence
from graphs.chat.grounding import numbers, sentence_end
from tests.fakes import SharedWords


def test_numbers_ignore_citations_and_join_digit_groups() -> None:
    assert numbers("Orders over ¥1,299 ship in 3-5 days [2].") == {"1299", "3", "5"}
    assert numbers("运费１５元【1】") == {"15"}
    assert numbers("2.50 and 2.5 and 007") == {"2.5", "7"}


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("Within 30 days [1]. More", 20),
        ("30天内可退货。还有", 8),
        ("No end yet", None),
        ("Costs ¥2.50 today", None),
        ("是的！", 3),
    ],
)
def test_sentence_end(text: str, end: int | None) -> None:
    assert sentence_end(text) == end


def test_evidence_keeps_the_sentences_that_answer() -> None:
    passages = [
        {
            "title": "Shipping",
            "heading": "Express",
            "lang": "en",
            "score": 0.5,
            "text": "We ship with ZTO. Express next-day delivery costs ¥15. "
            "Order by 15:00 for next-day delivery. Parcels are insured.",
        },
        {
            "title": "Returns",
            "heading": "",
            "lang": "en",
            "score": 0.4,
            "text": "Returns are free.",
        },
    ]
    evidence = select_evidence(
        "how much is express delivery", passages, SharedWords(), max_sentences=2
    )
    assert evidence.sources[0].passage["title"] == "Shipping"
    assert "¥15" in evidence.sources[0].text
    assert "insured" not in evidence.sources[0].text
    assert evidence.match <= max(s.score for src in evidence.sources for s in src.sentences)
