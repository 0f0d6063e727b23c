"""Intent evaluation figures, the report, and `kefu eval intents` in both modes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals.intents import evaluate, write_report
from models.intents import IntentResult, IntentScore
from models.intents.dataset import Example

KEFU = str(Path(sys.executable).with_name("kefu"))
ROOT = Path(__file__).resolve().parents[2]


class Scripted:
    """Answers from a fixed table, so every figure can be checked by hand."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def classify(self, text: str) -> IntentResult:
        return IntentResult(self.answers[text], 1.0, [IntentScore(self.answers[text], 1.0)])

    def classify_many(self, texts: list[str]) -> list[IntentResult]:
        return [self.classify(t) for t in texts]


def test_figures_match_a_hand_calculation(tmp_path: Path) -> None:
    examples = [
        Example("a1", "a"),
        Example("a2", "a"),
        Example("a3", "a"),
        Example("b1", "b"),
        Example("b2", "b"),
        Example("o1", "oos"),
        Example("o2", "oos"),
    ]
    answers = {"a1": "a", "a2": "a", "a3": "b", "b1": "b", "b2": "oos", "o1": "oos", "o2": "oos"}
    result = evaluate(Scripted(answers), examples)  # type: ignore[arg-type]
    assert result.n == 7 and result.accuracy == round(5 / 7, 4)
    # a: P=2/2 R=2/3; b: P=1/2 R=1/2; oos: P=2/3 R=2/2
    assert (result.per_label["a"].precision, result.per_label["a"].recall) == (1.0, 0.6667)
    assert (result.per_label["b"].precision, result.per_label["b"].recall) == (0.5, 0.5)
    assert result.per_label["oos"].precision == 0.6667 and result.oos_recall == 1.0
    f1 = [2 * 1 * (2 / 3) / (1 + 2 / 3), 0.5, 2 * (2 / 3) * 1 / (2 / 3 + 1)]
    assert result.macro_f1 == pytest.approx(sum(f1) / 3, abs=1e-3)
    assert {(c.expected, c.predicted) for c in result.confusions} == {("a", "b"), ("b", "oos")}
    assert result.confusions[0].examples in (["a3"], ["b2"])

    paths = write_report(result, tmp_path / "report", "Test report")
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = paths["markdown"].read_text()
    assert "| accuracy | 0.7143 |" in markdown and "| a | b | 1 | a3 |" in markdown
    assert "confusion.png" in paths["html"].read_text()


def test_cli_evaluates_the_shipped_model(tmp_path: Path) -> None:
    test_file = ROOT / "evals" / "data" / "intents_holdout_zh.csv"
    report = tmp_path / "report"
    out = subprocess.run(
        [KEFU, "eval", "intents", "--test", str(test_file), "--json", "--report", str(report)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"accuracy", "macro_f1", "n", "per_label"} <= set(data)
    assert data["n"] == 384 and 0 < data["accuracy"] <= 1
    assert (report / "report.html").is_file() and (report / "confusion.png").is_file()


def test_cli_trains_a_fresh_model_on_any_text_label_file(tmp_path: Path) -> None:
    rows = ["text,label"]
    for i in range(12):
        rows += [
            f"where is my parcel {i},track",
            f"please refund order {i},refund",
            f"tell me joke {i},oos",
        ]
    train = tmp_path / "train.csv"
    train.write_text("\n".join(rows) + "\n")
    test = tmp_path / "test.csv"
    test.write_text("text,label\nwhere is my parcel now,track\nrefund please,refund\n")
    out = subprocess.run(
        [KEFU, "eval", "intents", "--train", str(train), "--test", str(test), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["n"] == 2 and data["accuracy"] == 1.0
    assert set(data["per_label"]) == {"track", "refund"}


def test_cli_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,intent\nhello,greet\n")
    out = subprocess.run(
        [KEFU, "eval", "intents", "--test", str(bad)], capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "missing column" in out.stderr


def test_cli_reports_the_own_dev_split_and_enforces_a_threshold() -> None:
    out = subprocess.run(
        [KEFU, "eval", "intents", "--own-dev", "zh", "--json", "--min-accuracy", "0.9"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["accuracy"] >= 0.9 and data["n"] > 150
    failing = subprocess.run(
        [KEFU, "eval", "intents", "--own-dev", "zh", "--min-accuracy", "0.999"],
        capture_output=True,
        text=True,
    )
    assert failing.returncode == 1 and "below 0.999" in failing.stderr
