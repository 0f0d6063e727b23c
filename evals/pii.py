"""Redaction quality: per-type precision and recall by character-span overlap.

A data line: ``{"text", "entities": [{"type", "start", "end"}], "lang"?}``. A found span
counts when it overlaps a labelled span of the same type; a labelled span is recalled when a
found span of its type overlaps it. F2 weighs recall twice: a missed phone number costs more
than a masked order number.
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from evals.records import read_jsonl
from graphs.redaction.engine import Span
from models.language import Language, detect_language


class Analyzer(Protocol):
    def analyze(self, text: str, lang: Language) -> list[Span]: ...


@dataclass(frozen=True)
class Labelled:
    text: str
    entities: list[Span]
    lang: Language
    id: str = ""


@dataclass
class PiiReport:
    found: Counter[str] = field(default_factory=Counter)
    found_right: Counter[str] = field(default_factory=Counter)
    labelled: Counter[str] = field(default_factory=Counter)
    recalled: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    n: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        per_type = {
            entity: _scores(
                self.found_right[entity],
                self.found[entity],
                self.recalled[entity],
                self.labelled[entity],
            )
            for entity in sorted(set(self.labelled) | set(self.found))
        }
        overall = _scores(
            sum(self.found_right.values()),
            sum(self.found.values()),
            sum(self.recalled.values()),
            sum(self.labelled.values()),
        )
        return {
            "n": self.n,
            "overall": overall,
            "per_type": per_type,
            "ms_per_text": round(1000 * self.seconds / max(self.n, 1), 2),
            "misses": self.misses,
            "false_alarms": self.false_alarms,
        }


def _scores(found_right: int, found: int, recalled: int, labelled: int) -> dict[str, float]:
    precision = found_right / found if found else 1.0
    recall = recalled / labelled if labelled else 1.0
    f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f2": round(f2, 4),
        "support": labelled,
    }


def read_labelled(path: Path) -> list[Labelled]:
    def make(row: dict[str, Any], number: int) -> Labelled:
        text = str(row["text"])
        entities = [
            Span(str(e["type"]).upper(), int(e["start"]), int(e["end"]), 1.0)
            for e in row["entities"]
        ]
        if any(not 0 <= e.start < e.end <= len(text) for e in entities):
            raise ValueError("an entity lies outside the text")
        lang = row.get("lang")
        return Labelled(
            text=text,
            entities=entities,
            lang=lang if lang in ("zh", "en") else detect_language(text),
            id=str(row.get("id", number)),
        )

    return read_jsonl(path, make, "a labelled line")


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def evaluate(analyzer: Analyzer, rows: list[Labelled]) -> PiiReport:
    report = PiiReport()
    started = time.perf_counter()
    for row in rows:
        found = analyzer.analyze(row.text, row.lang)
        report.n += 1
        for gold in row.entities:
            report.labelled[gold.entity] += 1
            if any(f.entity == gold.entity and _overlaps(f, gold) for f in found):
                report.recalled[gold.entity] += 1
            else:
                report.misses.append(
                    {"id": row.id, "type": gold.entity, "value": row.text[gold.start : gold.end]}
                )
        for span in found:
            report.found[span.entity] += 1
            if any(g.entity == span.entity and _overlaps(g, span) for g in row.entities):
                report.found_right[span.entity] += 1
            else:
                report.false_alarms.append(
                    {"id": row.id, "type": span.entity, "value": row.text[span.start : span.end]}
                )
    report.seconds = time.perf_counter() - started
    return report
