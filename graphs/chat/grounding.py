"""Checks that keep a translated answer to what its passage says: the numbers it states, and
where a sentence ends so that it can be checked before it is sent."""

import re

from ingest.lexical import normalise

_CITATION = re.compile(r"\s*[\[【［]\s*(\d{1,2})\s*[\]】］]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Where a sentence ends: its text up to here can be checked and released.
_SENTENCE_END = re.compile(r"(?:[。！？；!?;]|\.(?=\s)|\n)[\]】］)\s]*")


def numbers(text: str) -> set[str]:
    """The numbers in a text, citation markers aside: "¥1,299 in 3-5 days [2]" -> 1299, 3, 5."""
    bare = _CITATION.sub(" ", normalise(text))
    return {_canonical(n) for n in _NUMBER.findall(bare)}


def _canonical(number: str) -> str:
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def sentence_end(text: str) -> int | None:
    """The end of the first complete sentence in ``text`` (after its closing marks)."""
    match = _SENTENCE_END.search(text)
    return match.end() if match else None
