"""Redaction quality on the held-out labelled set (evals/data/pii_test.jsonl, never tuned on)
and the `kefu eval pii` command."""

import json
import subprocess
import sys
from pathlib import Path

from evals.pii import evaluate, read_labelled
from evals.run import DEFAULT_PII_DATA
from graphs.redaction.engine import Redactor

ROOT = Path(__file__).resolve().parents[2]
RECALL_TARGETS = {"PHONE": 0.95, "EMAIL": 0.95, "ID_CARD": 0.95, "BANK_CARD": 0.95, "PERSON": 0.85}


def test_recall_targets_on_the_held_out_set(redactor: Redactor) -> None:
    rows = read_labelled(DEFAULT_PII_DATA)
    assert len(rows) >= 300 and {r.lang for r in rows} == {"zh", "en"}
    result = evaluate(redactor, rows).to_json()
    for entity, target in RECALL_TARGETS.items():
        assert result["per_type"][entity]["recall"] >= target, (entity, result["misses"])
    assert result["overall"]["f2"] > 0.85
    assert result["overall"]["precision"] >= 0.9, result["false_alarms"]


def test_the_command_prints_per_type_scores(tmp_path: Path) -> None:
    data = tmp_path / "small.jsonl"
    text = "我叫张伟，电话13912345678"
    data.write_text(
        json.dumps(
            {
                "text": text,
                "entities": [
                    {"type": "PERSON", "start": 2, "end": 4},
                    {"type": "PHONE", "start": 7, "end": 18},
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "eval", "pii", "--data", str(data), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    printed = json.loads(result.stdout)
    assert printed["per_type"]["PHONE"] == {**printed["per_type"]["PHONE"], "recall": 1.0}
    assert set(printed["per_type"]) == {"PERSON", "PHONE"}

    data.write_text('{"text": "x", "entities": [{"type": "PHONE", "start": 0, "end": 9}]}\n')
    refused = subprocess.run(
        [sys.executable, "-m", "app.cli", "eval", "pii", "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert refused.returncode == 2 and "small.jsonl:1" in refused.stderr
