"""A bounded loopback load test: many shoppers chatting at once against a live `kefu serve`.

    .venv/bin/python -m bench.load [--shoppers 50] [--seconds 120]

Starts its own server on a fresh data folder with the demo knowledge base (rate limits off:
real shoppers come from many addresses), lets every shopper hold one conversation, turn after
turn, until the time is up, then checks that every answered turn is in the session's stored
transcript. Prints errors, lost messages, time to first token and turn time (p50/p95),
throughput and the server's peak memory; writes bench/out/load.json. Only 127.0.0.1 is
contacted, and the run stops by itself.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.chat_latency import KEFU, QUESTIONS, ROOT, _peak_rss_mb, _wait_ready


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(env: dict[str, str], kb: Path) -> Iterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """`kefu ingest kb`, then `kefu serve` on a free port in ``env`` until the block ends: its
    base URL, once ready, and its process."""
    subprocess.run([KEFU, "ingest", str(kb)], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [KEFU, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(base, server)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Shopper:
    session_id: str | None = None
    answered: int = 0
    errors: list[str] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)


async def one_turn(client: httpx.AsyncClient, shopper: Shopper, question: str) -> None:
    started = time.perf_counter()
    first: float | None = None
    names: list[str] = []
    body = {"message": question, "session_id": shopper.session_id}
    try:
        async with client.stream("POST", "/v1/chat/stream", json=body) as response:
            if response.status_code != 200:
                shopper.errors.append(f"http {response.status_code}")
                return
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                    names.append(event)
                elif line.startswith("data:"):
                    data = json.loads(line[5:])
                    if event == "session":
                        shopper.session_id = data["session_id"]
                    elif event == "token" and first is None:
                        first = time.perf_counter()
    except httpx.HTTPError as exc:
        shopper.errors.append(type(exc).__name__)
        return
    if not names or names[-1] != "done":
        shopper.errors.append(f"ended with {names[-1] if names else 'nothing'}")
        return
    ended = time.perf_counter()
    shopper.answered += 1
    shopper.turns.append(ended - started)
    shopper.ttft.append((first or ended) - started)


async def converse(client: httpx.AsyncClient, shopper: Shopper, index: int, until: float) -> None:
    turn = 0
    while time.monotonic() < until:
        await one_turn(client, shopper, QUESTIONS[(index + turn) % len(QUESTIONS)])
        turn += 1


async def lost_messages(client: httpx.AsyncClient, shoppers: list[Shopper]) -> int:
    """Answered turns missing from their session's stored transcript."""
    lost = 0
    for shopper in shoppers:
        if shopper.session_id is None:
            continue
        stored = (await client.get(f"/v1/sessions/{shopper.session_id}/messages")).json()
        answers = sum(1 for m in stored["messages"] if m["role"] == "assistant")
        lost += max(0, shopper.answered - answers)
    return lost


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))]


async def run(base: str, shoppers: int, seconds: float) -> dict[str, object]:
    limits = httpx.Limits(max_connections=shoppers + 8, max_keepalive_connections=shoppers + 8)
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as client:
        people = [Shopper() for _ in range(shoppers)]
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(converse(client, p, i, until) for i, p in enumerate(people)))
        elapsed = time.monotonic() - started
        lost = await lost_messages(client, people)
    ttft = [t for p in people for t in p.ttft]
    turns = [t for p in people for t in p.turns]
    errors = [e for p in people for e in p.errors]
    return {
        "shoppers": shoppers,
        "seconds": round(elapsed, 1),
        "turns_answered": len(turns),
        "turns_per_second": round(len(turns) / elapsed, 2),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "lost_messages": lost,
        "ttft_p50": round(statistics.median(ttft), 3) if ttft else None,
        "ttft_p95": round(percentile(ttft, 0.95), 3) if ttft else None,
        "turn_p50": round(statistics.median(turns), 3) if turns else None,
        "turn_p95": round(percentile(turns, 0.95), 3) if turns else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Many shoppers at once against kefu serve")
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kefu-load-") as data_dir:
        env = {
            **os.environ,
            "KEFU_DATA_DIR": data_dir,
            "KEFU_RATE_LIMIT_IP": "off",
            "KEFU_RATE_LIMIT_SESSION": "off",
            "KEFU_LOG_LEVEL": "WARNING",
        }
        with served(env, ROOT / "kb" / "demo") as (base, server):
            summary = asyncio.run(run(base, args.shoppers, args.seconds))
            summary["server_peak_rss_mb"] = round(_peak_rss_mb(server.pid), 1)
    print(f"{'metric':<22}{'value':>14}")
    for key, value in summary.items():
        print(f"{key:<22}{value!s:>14}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0 if summary["errors"] == 0 and summary["lost_messages"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
