"""Normalisation of shopper text before intent features are taken."""

import re
import unicodedata

_DIGITS = re.compile(r"\d+")
_ORDER_NUMBER = re.compile(r"\b[a-z]{1,3}\d{6,}\b")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, numbers and order numbers to placeholders.

    An order number or an amount says nothing about the intent; its presence does, so runs of
    digits become ``0`` and codes like LM202611210001 become ``#``.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _ORDER_NUMBER.sub(" # ", text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()
