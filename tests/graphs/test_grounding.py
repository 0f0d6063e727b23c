"""Number checks, citations, the release of a translation being written, and evidence
selection."""

import pytest

from graphs.chat.evidence import select_evidence
from graphs.chat.grounding import numbers, release_point, without_open_number
from tests.fakes import SharedWords


def test_numbers_ignore_citations_and_join_digit_groups() -> None:
    assert numbers("Orders over ¥1,299 ship in 3-5 days [2].") == {"1299", "3", "5"}
    assert numbers("运费１５元【1】") == {"15"}
    assert numbers("2.50 and 2.5 and 007") == {"2.5", "7"}


@pytest.mark.parametrize(
    ("written", "sent", "point"),
    [
        ("退货期限是30天。", 0, 8),  # all but the last character
        ("Within 30 days [1]. More", 0, 20),  # a word being written waits
        ("Express costs ¥1", 0, 15),  # not into a number the next piece may lengthen
        ("Express costs ¥1,29", 0, 15),
        ("Costs ¥15 in dol", 0, 13),  # nor into a Latin word ("dollars")
        ("运费是美", 0, 3),  # 美 waits: 美元 is checked whole
        ("运费15元", 0, 4),
        ("¥1", 0, 1),  # the sign is whole
        ("abc", 2, 2),  # never back before what was sent
        ("", 0, 0),
    ],
)
def test_release_point(written: str, sent: int, point: int) -> None:
    assert release_point(written, sent) == point


def test_an_open_number_is_left_to_be_checked_once_it_is_whole() -> None:
    assert without_open_number("Costs ¥1,29") == "Costs ¥"
    assert without_open_number("Costs ¥15 today") == "Costs ¥15 today"
    assert without_open_number("运费１５") == "运费"


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
