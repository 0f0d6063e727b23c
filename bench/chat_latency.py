"""Chat latency over HTTP against a live `kefu serve`: time to first token, tokens per second,
whole-turn time and the server's peak memory.

    .venv/bin/python -m bench.chat_latency [--turns 20] [--port 8765]

Starts its own server on a fresh data folder with the demo knowledge base, runs the turns one
after another (Chinese and English, each in a new session), prints a table and writes
bench/out/chat_latency.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from models.bundled import DEFAULT_LLM

ROOT = Path(__file__).resolve().parent.parent
KEFU = str(Path(sys.executable).with_name("kefu"))
QUESTIONS = [
    "How many days do I have to return an item?",
    "退货期限是多久？",
    "How much does express shipping cost?",
    "满多少钱包邮？",
    "Which payment methods do you accept?",
    "可以用花呗分期吗？",
    "How long does it take to get an invoice?",
    "公司发票需要提供什么信息？",
    "How long is the password reset link valid?",
    "注销账号需要多久？",
    "What does the warranty on small appliances cover?",
    "灯具的LED模块保修多久？",
    "How do I reach Gold membership?",
    "会员积分多久过期？",
    "What are your live chat opening hours?",
    "客服热线是多少？",
    "Can I return opened bedding?",
    "快递几天能到？",
    "What happens if I don't pay within 30 minutes?",
    "生日优惠券怎么领取？",
]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < 120:
        if process.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready after 120 s")


def _busy_share() -> tuple[int, int]:
    """(busy, total) CPU ticks of the machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def wait_until_quiet(limit_seconds: float = 180, share: float = 0.1) -> float:
    """Wait until the machine's cores are nearly idle for two seconds: a fresh server makes
    the reports of the period that has just ended (at the lowest priority) before a benchmark
    should measure it. The seconds waited."""
    started = time.monotonic()
    quiet = 0
    busy, total = _busy_share()
    while time.monotonic() - started < limit_seconds and quiet < 4:
        time.sleep(0.5)
        now_busy, now_total = _busy_share()
        used = (now_busy - busy) / max(now_total - total, 1)
        quiet = quiet + 1 if used < share else 0
        busy, total = now_busy, now_total
    return time.monotonic() - started


def run_turn(base: str, question: str) -> dict[str, float | str]:
    started = time.perf_counter()
    first: float | None = None
    answer = ""
    with httpx.stream(
        "POST", f"{base}/v1/chat/stream", json={"message": question}, timeout=180
    ) as response:
        response.raise_for_status()
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "token":
                if first is None:
                    first = time.perf_counter()
                answer += json.loads(line[5:])["text"]
    ended = time.perf_counter()
    return {
        "question": question,
        "answer": answer,
        "ttft": (first or ended) - started,
        "total": ended - started,
        "stream_seconds": ended - (first or ended),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Chat latency over HTTP against kefu serve")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    from llama_cpp import Llama

    vocab = Llama(model_path=str(DEFAULT_LLM.path), vocab_only=True, verbose=False)

    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as data_dir:
        env = {**os.environ, "KEFU_DATA_DIR": data_dir}
        subprocess.run(
            [KEFU, "ingest", str(ROOT / "kb" / "demo")], env=env, check=True, capture_output=True
        )
        base = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [KEFU, "serve", "--port", str(args.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            ready_seconds = _wait_ready(base, server)
            run_turn(base, "warm-up: what is your return policy?")
            turns = [run_turn(base, QUESTIONS[i % len(QUESTIONS)]) for i in range(args.turns)]
            peak_mb = _peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    rates = []
    for turn in turns:
        tokens = len(vocab.tokenize(str(turn["answer"]).encode(), add_bos=False))
        turn["tokens"] = tokens
        if tokens > 1 and float(turn["stream_seconds"]) > 0:
            rates.append((tokens - 1) / float(turn["stream_seconds"]))
    ttfts = sorted(float(t["ttft"]) for t in turns)
    totals = sorted(float(t["total"]) for t in turns)
    summary = {
        "turns": len(turns),
        "server_ready_seconds": round(ready_seconds, 2),
        "ttft_p50": round(statistics.median(ttfts), 3),
        "ttft_p95": round(ttfts[max(0, int(len(ttfts) * 0.95) - 1)], 3),
        "turn_p50": round(statistics.median(totals), 3),
        "tokens_per_second_p50": round(statistics.median(rates), 1) if rates else None,
        "server_peak_rss_mb": round(peak_mb, 1),
    }
    print(f"{'metric':<26}{'value':>10}")
    for key, value in summary.items():
        print(f"{key:<26}{value!s:>10}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "chat_latency.json").write_text(
        json.dumps({"summary": summary, "turns": turns}, ensure_ascii=False, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
