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


_CURRENCIES: dict[str, re.Pattern[str]] = {
    "CNY": re.compile(r"[¥￥元]|\b(?:rmb|cny|yuan)\b", re.IGNORECASE),
    "USD": re.compile(r"\$|\busd\b|\bdollars?\b|美元", re.IGNORECASE),
    "EUR": re.compile(r"€|\beur(?:os?)?\b|欧元", re.IGNORECASE),
    "GBP": re.compile(r"£|\bgbp\b|\bpounds?\b|英镑", re.IGNORECASE),
}


def currencies(text: str) -> set[str]:
    """The currencies a text names: "¥99" and "99元" -> CNY; "$99" -> USD. A translation that
    turns yuan into dollars changes every amount."""
    return {code for code, pattern in _CURRENCIES.items() if pattern.search(text)}


def _canonical(number: str) -> str:
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def sentence_end(text: str) -> int | None:
    """The end of the first complete sentence in ``text`` (after its closing marks)."""
    match = _SENTENCE_END.search(text)
    return match.end() if match else None
