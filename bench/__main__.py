"""`make bench`: every benchmark in turn, then one table of the figures against their goals.

    .venv/bin/python -m bench [--quick]

Runs, each in its own process on a quiet machine (they measure time):
  bench.service_vs_raw  Kefu over HTTP against raw llama-cpp-python on the same prompts
  bench.concurrency     throughput and latency at 1, 4, 16 and 64 shoppers at once
  bench.retrieval       retrieval at 1k, 10k and 100k chunks, and ingestion
Each prints its own table and writes bench/out/<name>.json; this reads them back. ``--quick``
makes each shorter (fewer turns, 20 s a level, up to 10k chunks): for a look, not the record.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def run(module: str, *args: str) -> None:
    print(f"\n$ python -m {module} {' '.join(args)}".rstrip(), flush=True)
    subprocess.run([sys.executable, "-m", module, *args], check=False)


def read(name: str) -> dict[str, Any]:
    path = OUT / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def goals() -> list[tuple[str, str, str, bool | None]]:
    """(goal, target, measured, met) rows from the benchmarks' outputs."""
    rows: list[tuple[str, str, str, bool | None]] = []
    raw = read("service_vs_raw").get("summary", {})
    if raw:
        ratio = raw.get("tokens_per_second_ratio")
        rows.append(
            (
                "tokens/s while generating, Kefu / raw",
                ">= 0.9",
                str(ratio),
                None if ratio is None else ratio >= 0.9,
            )
        )
        first = raw.get("cross_lingual_first_token_p50")
        raw_first = raw.get("raw_first_token_p50")
        if first is not None and raw_first is not None:
            extra = round(1000 * (first - raw_first))
            rows.append(
                ("first token, Kefu over HTTP minus raw (ms)", "<= 150", str(extra), extra <= 150)
            )
        lag = raw.get("service_minus_raw_first_token_ms_p50")
        rows.append(("first translated token, Kefu minus raw (ms)", "(shown)", str(lag), None))
        grounded = raw.get("grounded_first_token_p50")
        rows.append(
            (
                "first token of a grounded turn, p50 (s)",
                "<= 1.0",
                str(grounded),
                None if grounded is None else grounded <= 1.0,
            )
        )
    for level in read("concurrency").get("levels", []):
        rows.append(
            (
                f"{level['shoppers']} shoppers: turns/s, turn p95 (s)",
                "(shown)",
                f"{level['turns_per_second']}, {level['turn_p95']}",
                None,
            )
        )
    for size in read("retrieval").get("sizes", []):
        p95 = size.get("p95_ms")
        rows.append(
            (
                f"retrieval p95 at {size.get('chunks')} chunks (ms)",
                "<= 50" if size.get("chunks") == 100_000 else "(shown)",
                str(p95),
                None if size.get("chunks") != 100_000 or p95 is None else p95 <= 50,
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark, then the goals table")
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a look")
    args = parser.parse_args()
    if args.quick:
        run("bench.service_vs_raw", "--turns", "6")
        run("bench.concurrency", "--seconds", "20")
        run("bench.retrieval", "--sizes", "1000,10000")
    else:
        run("bench.service_vs_raw")
        run("bench.concurrency")
        run("bench.retrieval")
    rows = goals()
    print(f"\n{'goal':<48}{'target':>10}{'measured':>16}{'met':>6}")
    for goal, target, measured, met in rows:
        mark = "" if met is None else ("yes" if met else "NO")
        print(f"{goal:<48}{target:>10}{measured:>16}{mark:>6}")
    return 0 if all(met is not False for *_, met in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
