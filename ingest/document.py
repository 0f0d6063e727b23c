"""What every parser returns: a title and sections of plain text, with the URLs they cite."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath


@dataclass(frozen=True)
class Section:
    """A heading and its text.

    ``links`` and ``images`` are the URLs the section cites and shows, in order, without
    repeats. ``anchors`` pairs a URL with the visible text it is attached to (link text, alt
    text, caption), so the chunker can tell which chunk of a long section shows it. An
    ``atomic`` section (an FAQ pair) becomes exactly one chunk, whatever its length.
    """

    heading: str
    text: str
    links: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    anchors: tuple[tuple[str, str], ...] = ()
    atomic: bool = False


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections)


_WHITESPACE = re.compile(r"\s+")


def clean_url(url: str) -> str:
    """A URL as metadata: no whitespace (stored newline-joined), no script or bare fragment."""
    url = _WHITESPACE.sub("", url)
    if not url or url.startswith("#") or url.lower().startswith(("javascript:", "data:")):
        return ""
    return url


def unique_urls(urls: Iterable[str]) -> tuple[str, ...]:
    """Cleaned URLs in first-seen order, each once."""
    return tuple(dict.fromkeys(u for u in map(clean_url, urls) if u))


_BARE_URL = re.compile(r"https?://[^\s<>()\"'，。；！？、）]+")


def bare_urls(text: str) -> list[str]:
    """URLs written out in plain text, without trailing punctuation."""
    return [m.group(0).rstrip(".,;:!?") for m in _BARE_URL.finditer(text)]


def stem_title(filename: str) -> str:
    """A title made from a file name, for documents that name none."""
    return PurePath(filename).stem.replace("_", " ").replace("-", " ").strip() or filename
