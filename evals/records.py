"""What the evaluations share: reading labelled JSONL files, and percentiles of timings."""

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

Row = TypeVar("Row")


def read_jsonl(path: Path, make: Callable[[dict[str, Any], int], Row], kind: str) -> list[Row]:
    """One ``make(row, line_number)`` per non-empty line; a bad line is a ValueError that
    names the file and line ("qa.jsonl:7: not a QA line (...)")."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(make(json.loads(line), number))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not {kind} ({exc})") from exc
    return rows


def quantile(values: list[float], q: float) -> float | None:
    """The q-quantile (0.5, 0.95) of timings in seconds, rounded to milliseconds."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1], 3)
