"""Intent evaluation: accuracy, macro-F1, per-label precision and recall, confusions, and the
report a shop receives (HTML and Markdown with a confusion-matrix PNG)."""

import html
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.intents import OUT_OF_SCOPE
from models.intents.dataset import Example
from models.intents.model import IntentModel


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Confusion:
    expected: str
    predicted: str
    count: int
    examples: list[str]


@dataclass
class IntentEvaluation:
    n: int
    accuracy: float
    macro_f1: float
    per_label: dict[str, LabelScores]
    confusions: list[Confusion]
    labels: list[str]
    matrix: list[list[int]]
    ms_per_message: float
    oos_recall: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("matrix")
        return data


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _examples_of(
    examples: Sequence[Example], predicted: Sequence[str], expected: str, wrong: str
) -> list[str]:
    pairs = zip(examples, predicted, strict=True)
    return [x.text for x, y in pairs if x.label == expected and y == wrong][:3]


def evaluate(model: IntentModel, examples: Sequence[Example], batch: int = 64) -> IntentEvaluation:
    """Classify every example; ``ms_per_message`` is the time of one message classified alone."""
    texts = [e.text for e in examples]
    predicted: list[str] = []
    for start in range(0, len(texts), batch):
        predicted += [r.label for r in model.classify_many(texts[start : start + batch])]
    sample = texts[: min(50, len(texts))]
    started = time.perf_counter()
    for text in sample:
        model.classify(text)
    ms = (time.perf_counter() - started) * 1000 / max(1, len(sample))

    expected = [e.label for e in examples]
    labels = sorted(set(expected) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for e, p in zip(expected, predicted, strict=True):
        matrix[index[e], index[p]] += 1
    per_label: dict[str, LabelScores] = {}
    for label, i in index.items():
        true_positive = int(matrix[i, i])
        precision = _ratio(true_positive, int(matrix[:, i].sum()))
        recall = _ratio(true_positive, int(matrix[i, :].sum()))
        f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
        per_label[label] = LabelScores(precision, recall, f1, int(matrix[i, :].sum()))
    in_test = [label for label in labels if per_label[label].support]
    pairs = Counter((e, p) for e, p in zip(expected, predicted, strict=True) if e != p)
    confusions = [
        Confusion(
            e,
            p,
            count,
            [x.text for x, y in zip(examples, predicted, strict=True) if x.label == e and y == p][
                :3
            ],
        )
        for (e, p), count in pairs.most_common(10)
    ]
    oos = per_label.get(OUT_OF_SCOPE)
    return IntentEvaluation(
        n=len(examples),
        accuracy=_ratio(int(np.trace(matrix)), len(examples)),
        macro_f1=round(float(np.mean([per_label[label].f1 for label in in_test])), 4),
        per_label=per_label,
        confusions=confusions,
        labels=labels,
        matrix=matrix.tolist(),
        ms_per_message=round(ms, 2),
        oos_recall=oos.recall if oos and oos.support else None,
    )


def plot_confusion(evaluation: IntentEvaluation, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.array(evaluation.matrix, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(6.0, 0.32 * len(evaluation.labels) + 2)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ticks = range(len(evaluation.labels))
    show_labels = len(evaluation.labels) <= 60
    axes.set_xticks(list(ticks) if show_labels else [])
    axes.set_yticks(list(ticks) if show_labels else [])
    if show_labels:
        axes.set_xticklabels(evaluation.labels, rotation=90, fontsize=7)
        axes.set_yticklabels(evaluation.labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    axes.set_title(
        f"Intent confusion (share of each expected label), accuracy {evaluation.accuracy:.3f}"
    )
    figure.colorbar(image, fraction=0.04)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


_CSS = (
    'body{font-family:system-ui,"PingFang SC",sans-serif;max-width:70rem;margin:2rem auto;'
    "padding:0 1rem}table{border-collapse:collapse;margin:1rem 0}"
    "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}"
)


def _rows(evaluation: IntentEvaluation) -> list[tuple[str, LabelScores]]:
    return sorted(evaluation.per_label.items(), key=lambda item: item[1].f1)


def write_report(evaluation: IntentEvaluation, directory: Path, title: str) -> dict[str, Path]:
    """report.md, report.html, confusion.png and metrics.json in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    png = directory / "confusion.png"
    plot_confusion(evaluation, png)
    (directory / "metrics.json").write_text(
        json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2)
    )
    summary = [
        ("messages", str(evaluation.n)),
        ("accuracy", f"{evaluation.accuracy:.4f}"),
        ("macro-F1", f"{evaluation.macro_f1:.4f}"),
        (
            "out-of-scope recall",
            "-" if evaluation.oos_recall is None else f"{evaluation.oos_recall:.4f}",
        ),
        ("ms per message", f"{evaluation.ms_per_message:.2f}"),
        *((key, str(value)) for key, value in evaluation.meta.items()),
    ]
    md = [f"# {title}", "", "| measure | value |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in summary]
    md += [
        "",
        "## Per intent (worst first)",
        "",
        "| intent | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    md += [
        f"| {k} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |"
        for k, s in _rows(evaluation)
    ]
    md += [
        "",
        "## Worst confusions",
        "",
        "| expected | predicted | count | examples |",
        "|---|---|---|---|",
    ]
    for c in evaluation.confusions:
        quoted = " / ".join(x.replace("|", "/") for x in c.examples)
        md.append(f"| {c.expected} | {c.predicted} | {c.count} | {quoted} |")
    md += ["", "![confusion matrix](confusion.png)", ""]
    (directory / "report.md").write_text("\n".join(md), encoding="utf-8")

    def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    label_rows = [
        (k, f"{v.precision:.3f}", f"{v.recall:.3f}", f"{v.f1:.3f}", v.support)
        for k, v in _rows(evaluation)
    ]
    confusion_rows = [
        (c.expected, c.predicted, c.count, " / ".join(c.examples)) for c in evaluation.confusions
    ]
    page = "\n".join(
        [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            table(["measure", "value"], summary),
            "<h2>Per intent (worst first)</h2>",
            table(["intent", "precision", "recall", "F1", "support"], label_rows),
            "<h2>Worst confusions</h2>",
            table(["expected", "predicted", "count", "examples"], confusion_rows),
            "<h2>Confusion matrix</h2>",
            '<img src="confusion.png" alt="confusion matrix" style="max-width:100%">',
            "</body></html>",
        ]
    )
    (directory / "report.html").write_text(page, encoding="utf-8")
    return {"html": directory / "report.html", "markdown": directory / "report.md", "png": png}
