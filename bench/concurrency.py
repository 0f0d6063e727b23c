"""Throughput and latency of one `kefu serve` at 1, 4, 16 and 64 shoppers chatting at once.

    .venv/bin/python -m bench.concurrency [--levels 1,4,16,64] [--seconds 60]

Starts its own server (the defaults: one worker, the bundled model in-process) on a fresh data
folder holding the demo knowledge base with each topic in one language only, so that about half
the questions are answered across languages by the LLM's translation. Each shopper holds a
conversation of three questions from the demo evaluation set (answerable in either language,
and unanswerable ones, which may end with a hand-over and its ticket), then starts another, one
turn after the other, for the given time. A turn refused with 429 is asked again after its
Retry-After, as the widget does; its waiting counts in its time. Prints per level: turns
answered and per second, refusals, errors, time to first token and turn time (p50/p95), the
generations that went without the LLM because its queue was full, and the server's memory;
writes bench/out/concurrency.json. Only 127.0.0.1 is contacted.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.chat_latency import ROOT, _peak_rss_mb, wait_until_quiet
from bench.load import percentile, served
from bench.service_vs_raw import QA, single_language_kb

QUESTIONS_PER_CONVERSATION = 3


@dataclass
class Level:
    shoppers: int
    answered: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    first_tokens: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)


def question_mix() -> list[str]:
    rows = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines()]
    return [row["question"] for row in rows if not row["history"]]


async def one_turn(client: httpx.AsyncClient, level: Level, body: dict[str, Any]) -> str | None:
    """Asks until served; the session id. A 429 is asked again after its Retry-After."""
    started = time.perf_counter()
    first: float | None = None
    names: list[str] = []
    session: str | None = body.get("session_id")
    while True:
        try:
            async with client.stream("POST", "/v1/chat/stream", json=body) as response:
                if response.status_code == 429:
                    level.refused += 1
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                    continue
                if response.status_code != 200:
                    level.errors.append(f"http {response.status_code}")
                    return session
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                        names.append(event)
                    elif line.startswith("data:"):
                        data = json.loads(line[5:])
                        if event == "session":
                            session = data["session_id"]
                        elif event == "token" and first is None:
                            first = time.perf_counter()
        except httpx.HTTPError as exc:
            level.errors.append(type(exc).__name__)
            return session
        break
    ended = time.perf_counter()
    if not names or names[-1] != "done":
        level.errors.append(f"ended with {names[-1] if names else 'nothing'}")
        return session
    level.answered += 1
    level.turns.append(ended - started)
    level.first_tokens.append((first or ended) - started)
    return session


async def shopper(
    client: httpx.AsyncClient, level: Level, index: int, questions: list[str], until: float
) -> None:
    asked = index * 7  # shoppers start at different places of the mix
    session: str | None = None
    while time.monotonic() < until:
        if asked % QUESTIONS_PER_CONVERSATION == 0:
            session = None  # a new conversation
        body: dict[str, Any] = {"message": questions[asked % len(questions)]}
        if session:
            body["session_id"] = session
        session = await one_turn(client, level, body)
        asked += 1


def llm_refusals(base: str) -> float:
    for line in httpx.get(f"{base}/metrics", timeout=10).text.splitlines():
        if line.startswith("kefu_llm_refused_total "):
            return float(line.split()[-1])
    return 0.0


async def run_level(base: str, shoppers: int, seconds: float, questions: list[str]) -> Level:
    level = Level(shoppers)
    limits = httpx.Limits(max_connections=shoppers + 8, max_keepalive_connections=shoppers + 8)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(shopper(client, level, i, questions, until) for i in range(shoppers))
        )
    return level


def row(level: Level, elapsed: float, llm_refused: float) -> dict[str, Any]:
    def p(values: list[float], share: float) -> float | None:
        return round(percentile(values, share), 2) if values else None

    return {
        "shoppers": level.shoppers,
        "seconds": round(elapsed, 1),
        "turns": level.answered,
        "turns_per_second": round(level.answered / elapsed, 2),
        "refused_429": level.refused,
        "errors": len(level.errors),
        "error_kinds": sorted(set(level.errors)),
        "first_token_p50": round(statistics.median(level.first_tokens), 2)
        if level.first_tokens
        else None,
        "first_token_p95": p(level.first_tokens, 0.95),
        "turn_p50": round(statistics.median(level.turns), 2) if level.turns else None,
        "turn_p95": p(level.turns, 0.95),
        "without_llm": int(llm_refused),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="kefu serve at several numbers of shoppers")
    parser.add_argument("--levels", default="1,4,16,64", help="shoppers at once, comma-separated")
    parser.add_argument("--seconds", type=float, default=60, help="length of each level")
    args = parser.parse_args()
    levels = [int(part) for part in args.levels.split(",") if part.strip()]
    questions = question_mix()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kefu-concurrency-") as folder:
        kb = Path(folder) / "kb"
        kb.mkdir()
        env = {
            **os.environ,
            "KEFU_DATA_DIR": str(Path(folder) / "data"),
            "KEFU_RATE_LIMIT_IP": "off",  # real shoppers come from many addresses
            "KEFU_RATE_LIMIT_SESSION": "off",
            "KEFU_LOG_LEVEL": "WARNING",
        }
        with served(env, single_language_kb(kb)) as (base, server):
            print(f"server quiet after {wait_until_quiet():.0f} s", flush=True)
            asyncio.run(run_level(base, 1, 5, questions))  # warm-up
            for shoppers in levels:
                refused_before = llm_refusals(base)
                started = time.monotonic()
                level = asyncio.run(run_level(base, shoppers, args.seconds, questions))
                elapsed = time.monotonic() - started
                rows.append(row(level, elapsed, llm_refusals(base) - refused_before))
                print(f"  {shoppers} shoppers: {rows[-1]}", file=sys.stderr)
            peak_mb = round(_peak_rss_mb(server.pid), 1)
    columns = [
        ("shoppers", "shoppers"),
        ("turns", "turns"),
        ("turns_per_second", "turns/s"),
        ("refused_429", "429s"),
        ("errors", "errors"),
        ("first_token_p50", "1st tok p50"),
        ("first_token_p95", "1st tok p95"),
        ("turn_p50", "turn p50"),
        ("turn_p95", "turn p95"),
        ("without_llm", "no LLM"),
    ]
    print("".join(f"{title:>12}" for _, title in columns))
    for values in rows:
        print("".join(f"{values[key]!s:>12}" for key, _ in columns))
    print(f"server peak RSS: {peak_mb} MB")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "concurrency.json").write_text(
        json.dumps({"levels": rows, "server_peak_rss_mb": peak_mb}, indent=2)
    )
    return 0 if all(values["errors"] == 0 for values in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
