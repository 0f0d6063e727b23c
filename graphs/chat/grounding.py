"""Checks that keep a translated answer to what its passage says: the numbers and currencies it
states, and how much of a translation being written can be checked and sent."""

import re

from ingest.lexical import normalise

_CITATION = re.compile(r"\s*[\[【［]\s*(\d{1,2})\s*[\]】］]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


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


_OPEN_NUMBER = re.compile(r"[0-9\uff10-\uff19][0-9\uff10-\uff19.,\uff0c\uff0e]*$")


def without_open_number(text: str) -> str:
    """``text`` without a number at its end, which the next piece may still lengthen ("¥1" of
    "¥199"): what can be checked now."""
    return _OPEN_NUMBER.sub("", text)


def _number_part(char: str) -> bool:
    return char.isdigit() or char in ".,\uff0c\uff0e"


def _latin_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def release_point(text: str, start: int = 0) -> int:
    """How far a translation being written can go out now (from ``start``, where it went out
    before): all but its last character, and never into a number or a Latin word the next
    piece may lengthen ("¥1" may become "¥199", "dol" "dollars"). The character held back lets
    a two-character currency word (美元) be checked whole before its first half goes out."""
    cut = len(text) - 1
    while cut > start and (
        (_number_part(text[cut - 1]) and _number_part(text[cut]))
        or (_latin_letter(text[cut - 1]) and _latin_letter(text[cut]))
    ):
        cut -= 1
    return max(cut, start)
