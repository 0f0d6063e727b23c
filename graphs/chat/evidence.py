"""Evidence for an answer: the few sentences of the retrieved passages that bear on the question.

The answer states these sentences (translated when they are in the other language), so
choosing them well is what makes an answer right. Each sentence is scored together with its
passage's title and heading, which often carry half its meaning ("Express delivery: ¥15").
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphs.chat.injection import addresses_the_assistant
from ingest.chunking import split_sentences


class Relevance(Protocol):
    """How well texts match a question (the app passes its hybrid retriever)."""

    def coverage(self, query: str, text: str) -> float:
        """The share of the query's word weight found in the text, 0..1 (same language)."""
        ...

    def similarity(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of each text to the query by meaning (any language)."""
        ...


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the passages given
    position: int  # order within its passage
    text: str
    score: float


@dataclass
class Source:
    """A passage as cited in the answer: its number is its place in ``Evidence.sources``."""

    passage: dict[str, Any]
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        ordered = sorted(self.sentences, key=lambda s: s.position)
        glue = "" if self.passage.get("lang") == "zh" else " "
        return glue.join(s.text for s in ordered)


@dataclass
class Evidence:
    sources: list[Source]
    # How well the best sentence matches the question by meaning and words (0..1), without the
    # bonuses that only order sentences: whether the knowledge base covers the question at all.
    match: float
    coverage: float  # the best passage's lexical coverage of the question
    similarity: float  # the best passage's similarity by meaning


_QUESTION_START = re.compile(r"^\s*(?:Q\s*[:：]|问\s*[:：]|问题\s*[:：])", re.IGNORECASE)


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith(("?", "？")) or bool(_QUESTION_START.match(sentence))


def answer_units(text: str) -> list[str]:
    """Sentences, except that a question is kept with what answers it: a plain question with
    the next sentence, an FAQ's "Q: ...?" with everything up to the next "Q:". A question alone
    states no fact."""
    units: list[str] = []
    pending: list[str] = []
    in_faq = False
    for sentence in split_sentences(text):
        if _QUESTION_START.match(sentence):
            if pending:
                units.append(" ".join(pending))
            pending, in_faq = [sentence], True
            continue
        pending.append(sentence)
        if not in_faq and not _is_question(sentence):
            units.append(" ".join(pending))
            pending = []
    if pending:
        units.append(" ".join(pending))
    return units


@dataclass(frozen=True)
class ScoreWeights:
    meaning: float = 0.5
    words: float = 0.5
    rank: float = 0.1  # for the passage retrieval ranked first, less for later ones
    number: float = 0.1  # for a sentence with a number when the question asks how much/long


_ASKS_QUANTITY = re.compile(
    r"\b(?:how (?:long|much|many|soon|often|far)|what time|when|until|by when|minimum|maximum|"
    r"fee|cost|price)\b|多久|多长|多少|几|什么时候|何时|哪天|最晚|最多|最少|费用|运费|价格",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


def _context(passage: dict[str, Any]) -> str:
    return " ".join(p for p in (passage.get("title", ""), passage.get("heading", "")) if p)


def select_evidence(
    query: str,
    passages: Sequence[dict[str, Any]],
    relevance: Relevance,
    *,
    max_sentences: int = 4,
    max_sources: int = 3,
    keep_ratio: float = 0.0,
    weights: ScoreWeights | None = None,
) -> Evidence:
    """The sentences that answer best (at most ``max_sentences``, none scoring below
    ``keep_ratio`` of the best), grouped by passage, best passage first.

    A sentence scores by meaning (its similarity to the question, read with its heading) and by
    words (the share of the question's rarer words it or its heading contains); a passage
    ranked higher by retrieval gets a little more.
    """
    candidates: list[tuple[int, int, str, str]] = []
    for index, passage in enumerate(passages):
        context = _context(passage)
        for position, sentence in enumerate(answer_units(str(passage.get("text", "")))):
            if addresses_the_assistant(sentence):
                continue  # instructions planted in a document are data, never an answer
            candidates.append((index, position, sentence, f"{context}: {sentence}"))
    if not candidates:
        return Evidence([], 0.0, 0.0, 0.0)
    w = weights or ScoreWeights()
    meaning = relevance.similarity(query, [c[3] for c in candidates])
    wants_number = bool(_ASKS_QUANTITY.search(query))
    scored = []
    matches: list[float] = []
    for (index, position, sentence, with_context), similar in zip(candidates, meaning, strict=True):
        # The heading tells what a passage is about, but every sentence under it shares it:
        # the sentence's own words count for more.
        words = 0.3 * relevance.coverage(query, sentence) + 0.7 * relevance.coverage(
            query, with_context
        )
        prior = w.rank * (len(passages) - index) / len(passages)
        number = w.number if wants_number and _DIGIT.search(sentence) else 0.0
        match = w.meaning * similar + w.words * words
        matches.append(match)
        scored.append(Sentence(index, position, sentence, match + prior + number))
    scored.sort(key=lambda s: -s.score)
    chosen = [s for s in scored[:max_sentences] if s.score >= keep_ratio * scored[0].score]
    by_passage: dict[int, Source] = {}
    for pick in chosen:
        source = by_passage.setdefault(pick.passage, Source(dict(passages[pick.passage])))
        source.sentences.append(pick)
    passage_coverage = [
        relevance.coverage(query, f"{_context(p)} {p.get('text', '')}") for p in passages
    ]
    return Evidence(
        sources=list(by_passage.values())[:max_sources],
        match=max(matches),
        coverage=max(passage_coverage, default=0.0),
        similarity=max((float(p.get("score", 0.0)) for p in passages), default=0.0),
    )
