"""Split parsed documents into retrieval chunks sized in tokens, at sentence ends (中文 aware)."""

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.document import ParsedDocument, Section
from models.language import Language, detect_language

TokenCounter = Callable[[str], int]

# Sentence ends: Chinese full-width marks end a sentence without a following space.
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")


@dataclass(frozen=True)
class ChunkDraft:
    heading: str
    text: str
    lang: Language
    position: int
    links: tuple[str, ...] = ()
    images: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def split_sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def _windows(sentences: list[str], count: TokenCounter, size: int, overlap: int) -> Iterator[str]:
    """Pack whole sentences into windows of at most ``size`` tokens, carrying ``overlap``."""
    window: list[str] = []
    tokens = 0
    for sentence in sentences:
        cost = count(sentence)
        if window and tokens + cost > size:
            yield _join(window)
            # Carried sentences must leave room for this one: the window stays within size.
            room = min(overlap, size - cost)
            carried: list[str] = []
            carried_tokens = 0
            for previous in reversed(window):
                previous_cost = count(previous)
                if carried_tokens + previous_cost > room:
                    break
                carried.insert(0, previous)
                carried_tokens += previous_cost
            window, tokens = carried, carried_tokens
        if cost > size:  # a single over-long sentence: cut it into pieces within the budget
            yield from _pieces(sentence, count, size)
            window, tokens = [], 0
            continue
        window.append(sentence)
        tokens += cost
    if window:
        yield _join(window)


_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


def _pieces(sentence: str, count: TokenCounter, size: int) -> Iterator[str]:
    """Cut a sentence longer than ``size`` tokens into pieces of at most ``size``, at a space
    when one is in the second half of a piece (Chinese has none: it is cut between characters).

    Tokens are counted, not estimated from the length: a sentence of Chinese characters and
    then Latin letters has far more tokens in its first half than in its second.
    """
    rest = sentence
    while rest:
        if count(rest) <= size:
            yield rest
            return
        fits, over = 1, len(rest)  # count(rest[:fits]) <= size < count(rest[:over])
        while over - fits > 1:
            middle = (fits + over) // 2
            if count(rest[:middle]) <= size:
                fits = middle
            else:
                over = middle
        space = _LAST_SPACE.match(rest, 0, fits + 1)
        end = space.end() - 1 if space and space.end() - 1 > fits // 2 else fits
        if piece := rest[:end].strip():
            yield piece
        rest = rest[end:].lstrip()


def _join(sentences: list[str]) -> str:
    """Join sentences: no space between Chinese ones, a space between English ones."""
    out = sentences[0]
    for sentence in sentences[1:]:
        glue = "" if out[-1:] in "。！？；" else " "
        out += glue + sentence
    return out


def _section_texts(section: Section, count: TokenCounter, size: int, overlap: int) -> list[str]:
    if section.atomic:  # an FAQ pair: whole, even when longer than the budget
        return [section.text.strip()] if section.text.strip() else []
    sentences = split_sentences(section.text)
    return list(_windows(sentences, count, text_budget(section.heading, count, size), overlap))


def text_budget(heading: str, count: TokenCounter, size: int) -> int:
    """Tokens left for a chunk's text beside its heading, which is embedded with it. A heading
    longer than half the size counts as half: its section is not cut into scraps."""
    return size - min(count(heading), size // 2)


def _placed(urls: tuple[str, ...], section: Section, texts: list[str]) -> list[tuple[str, ...]]:
    """For each chunk text, the URLs it shows: the URL itself or its anchor text is in it.

    A URL that no chunk shows (a link in the heading, an image without alt text) goes with
    every chunk of its section.
    """
    if len(texts) == 1:
        return [urls]
    labels: dict[str, list[str]] = {url: [url] for url in urls}
    for url, label in section.anchors:
        if url in labels and label:
            labels[url].append(label)
    shown = {url: [any(lb in text for lb in labels[url]) for text in texts] for url in urls}
    return [
        tuple(url for url in urls if shown[url][i] or not any(shown[url]))
        for i in range(len(texts))
    ]


def chunk_document(
    document: ParsedDocument, count: TokenCounter, *, size: int, overlap: int
) -> list[ChunkDraft]:
    """Chunks of one document; each keeps its section heading for context, and the links and
    images of its part of the section."""
    drafts: list[ChunkDraft] = []
    document_lang = detect_language(document.text)
    for section in document.sections:
        texts = _section_texts(section, count, size, overlap)
        links = _placed(section.links, section, texts)
        images = _placed(section.images, section, texts)
        for index, text in enumerate(texts):
            drafts.append(
                ChunkDraft(
                    heading=section.heading,
                    text=text,
                    lang=detect_language(text, default=document_lang),
                    position=len(drafts),
                    links=links[index],
                    images=images[index],
                )
            )
    return drafts
