"""Split parsed documents into retrieval chunks sized in tokens, at sentence ends (中文 aware)."""

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.parsers import ParsedDocument
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
            carried: list[str] = []
            carried_tokens = 0
            for previous in reversed(window):
                previous_cost = count(previous)
                if carried_tokens + previous_cost > overlap:
                    break
                carried.insert(0, previous)
                carried_tokens += previous_cost
            window, tokens = carried, carried_tokens
        if cost > size:  # a single over-long sentence: cut it by characters
            step = max(1, len(sentence) * size // cost)
            for start in range(0, len(sentence), step):
                yield sentence[start : start + step]
            window, tokens = [], 0
            continue
        window.append(sentence)
        tokens += cost
    if window:
        yield _join(window)


def _join(sentences: list[str]) -> str:
    """Join sentences: no space between Chinese ones, a space between English ones."""
    out = sentences[0]
    for sentence in sentences[1:]:
        glue = "" if out[-1:] in "。！？；" else " "
        out += glue + sentence
    return out


def chunk_document(
    document: ParsedDocument, count: TokenCounter, *, size: int, overlap: int
) -> list[ChunkDraft]:
    """Chunks of one document; each keeps its section heading for context."""
    drafts: list[ChunkDraft] = []
    document_lang = detect_language(document.text)
    for section in document.sections:
        sentences = split_sentences(section.text)
        for text in _windows(sentences, count, size - count(section.heading), overlap):
            drafts.append(
                ChunkDraft(
                    heading=section.heading,
                    text=text,
                    lang=detect_language(text, default=document_lang),
                    position=len(drafts),
                )
            )
    return drafts
