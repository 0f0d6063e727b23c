"""Kefu over HTTP against raw llama-cpp-python, on the same prompts and the same model.

    .venv/bin/python -m bench.service_vs_raw [--turns 16]

1. Starts `kefu serve` (the defaults: the bundled model in-process, 2 threads) on a fresh data
   folder holding the demo knowledge base with each topic in one language only (English for
   returns, shipping, payment and invoices; Chinese for the rest), with KEFU_LLM_TRACE_FILE.
   It asks questions of the evaluation set one at a time, each in a new session: cross-lingual
   ones, whose answer is the help centre's sentences translated by the LLM, and same-language
   ones, which the help centre's own sentences answer without the LLM.
2. Stops the server, loads the same model file with the same settings into this process and
   replays every generation the trace recorded (messages, options), in the same order, with a
   plain `Llama.create_chat_completion(stream=True)`: the raw figures.
3. Measures raw, for scale, the naive grounded prompt (the help-centre passages and the
   question, asking the model to answer from them) that Kefu does not use.

Prints a table and writes bench/out/service_vs_raw.json. Only 127.0.0.1 is contacted.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.chat_latency import ROOT, wait_until_quiet
from bench.load import percentile, served
from models.bundled import DEFAULT_LLM
from prompts import load_prompt

DEMO_KB = ROOT / "kb" / "demo"
QA = ROOT / "evals" / "data" / "rag_demo.jsonl"
# The language each topic is kept in (the other one is left out), as in the README's
# cross-lingual reading of the demo evaluation set.
KEPT = {
    "returns": "en",
    "shipping": "en",
    "payment": "en",
    "invoices": "en",
    "account": "zh",
    "warranty": "zh",
    "membership": "zh",
    "contact": "zh",
}
NAIVE_OPTIONS = {"max_tokens": 64, "temperature": 0.1, "repeat_penalty": 1.0, "stop": []}


@dataclass
class Turn:
    question: str
    lang: str
    cross_lingual: bool
    started_wall: float = 0.0
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    done_wall: float = 0.0

    @property
    def token_walls(self) -> list[float]:
        return [wall for wall, name, _ in self.events if name == "token"]

    @property
    def first_token(self) -> float | None:
        walls = self.token_walls
        return walls[0] - self.started_wall if walls else None

    @property
    def total(self) -> float:
        return self.done_wall - self.started_wall


def single_language_kb(folder: Path) -> Path:
    for topic, lang in KEPT.items():
        shutil.copy(DEMO_KB / f"{topic}.{lang}.md", folder / f"{topic}.{lang}.md")
    return folder


def questions(turns: int) -> tuple[list[Turn], list[Turn]]:
    """Single-turn answerable questions of the demo set: cross-lingual and same-language."""
    crossing: list[Turn] = []
    same: list[Turn] = []
    for line in QA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["history"] or not row["answerable"]:
            continue
        topic = str(row["source"]).split(".")[0]
        across = KEPT[topic] != row["lang"]
        group = crossing if across else same
        if len(group) < turns:
            group.append(Turn(row["question"], row["lang"], across))
    return crossing, same


def ask(base: str, turn: Turn) -> None:
    turn.started_wall = time.time()
    with httpx.stream(
        "POST", f"{base}/v1/chat/stream", json={"message": turn.question}, timeout=300
    ) as response:
        response.raise_for_status()
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                turn.events.append((time.time(), event, json.loads(line[5:])))
    turn.done_wall = time.time()


def read_trace(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def generations_of(turn: Turn, trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [g for g in trace if turn.started_wall <= g["started_at"] <= turn.done_wall]


def raw_model() -> Any:
    from llama_cpp import Llama

    # The settings of models.llm.LlamaCppChatModel with Kefu's defaults.
    return Llama(
        model_path=str(DEFAULT_LLM.path),
        n_ctx=4096,
        n_threads=2,
        n_threads_batch=2,
        n_batch=512,
        verbose=False,
    )


def raw_generation(
    llama: Any, messages: list[dict[str, str]], options: dict[str, Any]
) -> dict[str, Any]:
    schema = options.get("json_schema")
    started = time.perf_counter()
    first: float | None = None
    pieces = 0
    for chunk in llama.create_chat_completion(
        messages=messages,
        max_tokens=options["max_tokens"],
        temperature=options["temperature"],
        repeat_penalty=options["repeat_penalty"],
        stop=options["stop"] or None,
        response_format={"type": "json_object", "schema": schema} if schema else None,
        stream=True,
    ):
        if chunk["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter()
            pieces += 1
    ended = time.perf_counter()
    first = first or ended
    return {
        "first_piece_seconds": first - started,
        "pieces": pieces,
        "tokens_per_second": (pieces - 1) / (ended - first)
        if pieces > 1 and ended > first
        else None,
        "seconds": ended - started,
    }


def naive_prompts(turns: list[Turn], llama: Any) -> list[tuple[list[dict[str, str]], int]]:
    """The naive grounded prompt of each turn: the passages of its cited documents, numbered,
    and the question (prompts/answer_*), with its length in tokens."""
    prompts = []
    for turn in turns:
        done = next(data for _, name, data in turn.events if name == "done")
        documents = list(dict.fromkeys(s["document"] for s in done["sources"]))[:3]
        passages = []
        for number, document in enumerate(documents, start=1):
            text = (DEMO_KB / document).read_text(encoding="utf-8")
            words = llama.tokenize(text.encode(), add_bos=False)[:110]
            passages.append(f"[{number}] {llama.detokenize(words).decode(errors='ignore')}")
        lang = turn.lang if turn.lang in ("zh", "en") else "en"
        system = load_prompt("answer_system", lang).text
        user = load_prompt("answer_user", lang).render(
            passages="\n\n".join(passages), question=turn.question
        )
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        length = len(llama.tokenize(f"{system}\n{user}".encode(), add_bos=False))
        prompts.append((messages, length))
    return prompts


def p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def p95(values: list[float]) -> float | None:
    return round(percentile(values, 0.95), 3) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description="Kefu over HTTP against raw llama-cpp-python")
    parser.add_argument("--turns", type=int, default=16, help="questions of each kind")
    args = parser.parse_args()
    crossing, same = questions(args.turns)

    with tempfile.TemporaryDirectory(prefix="kefu-raw-") as folder:
        data_dir = Path(folder) / "data"
        kb = Path(folder) / "kb"
        kb.mkdir()
        trace_path = Path(folder) / "llm-trace.jsonl"
        env = {
            **os.environ,
            "KEFU_DATA_DIR": str(data_dir),
            "KEFU_LLM_TRACE_FILE": str(trace_path),
            "KEFU_RATE_LIMIT_IP": "off",
            "KEFU_RATE_LIMIT_SESSION": "off",
            "KEFU_LOG_LEVEL": "WARNING",
        }
        with served(env, single_language_kb(kb)) as (base, _server):
            print(f"server quiet after {wait_until_quiet():.0f} s", flush=True)
            ask(base, Turn("What is your return policy?", "en", False))  # warm-up
            ask(base, Turn("退货政策是什么？", "zh", True))
            warm = len(read_trace(trace_path))
            for turn in [*crossing, *same]:
                ask(base, turn)
        trace = read_trace(trace_path)[warm:]

    llama = raw_model()
    asked = [
        ([{"role": m["role"], "content": m["content"]} for m in g["messages"]], g["options"])
        for g in trace
    ]
    if asked:
        raw_generation(llama, *asked[0])  # the raw model is warmed up as the server was
    raw = [raw_generation(llama, messages, options) for messages, options in asked]
    naive = []
    for messages, length in naive_prompts(crossing, llama):
        llama.reset()  # a new conversation's passages are new to the model
        measured = raw_generation(llama, messages, NAIVE_OPTIONS)
        naive.append({**measured, "prompt_tokens": length})

    translations = [
        (g, r) for g, r in zip(trace, raw, strict=True) if not g["options"]["json_schema"]
    ]
    first_model: list[float] = []
    raw_first_of_turn: list[float] = []
    model_lag: list[float] = []
    for turn in crossing:
        generations = [g for g in generations_of(turn, trace) if not g["options"]["json_schema"]]
        if not generations or generations[0]["first_piece_seconds"] is None:
            continue
        first_piece_wall = generations[0]["started_at"] + generations[0]["first_piece_seconds"]
        arrived = [wall for wall in turn.token_walls if wall >= first_piece_wall]
        if not arrived:
            continue
        first_model.append(arrived[0] - turn.started_wall)
        index = trace.index(generations[0])
        raw_first_of_turn.append(raw[index]["first_piece_seconds"])
        model_lag.append(arrived[0] - first_piece_wall)
    service_rates = [
        (g["pieces"] - 1) / (g["seconds"] - g["first_piece_seconds"])
        for g, _ in translations
        if g["pieces"] > 1 and g["first_piece_seconds"] is not None
    ]
    raw_rates = [r["tokens_per_second"] for _, r in translations if r["tokens_per_second"]]
    service_first_piece = [
        g["first_piece_seconds"] for g, _ in translations if g["first_piece_seconds"] is not None
    ]
    raw_first_piece = [r["first_piece_seconds"] for _, r in translations]

    summary: dict[str, Any] = {
        "cross_lingual_turns": len(crossing),
        "same_language_turns": len(same),
        "translations": len(translations),
        "raw_first_token_p50": p50(raw_first_of_turn),
        "service_first_model_token_p50": p50(first_model),
        "service_minus_raw_first_token_ms_p50": (
            round(
                1000
                * statistics.median(
                    a - b for a, b in zip(first_model, raw_first_of_turn, strict=True)
                )
            )
            if first_model
            else None
        ),
        "model_text_held_by_redactor_ms_p50": round(1000 * statistics.median(model_lag))
        if model_lag
        else None,
        "raw_tokens_per_second_p50": p50(raw_rates),
        "service_tokens_per_second_p50": p50(service_rates),
        "tokens_per_second_ratio": (
            round(statistics.median(service_rates) / statistics.median(raw_rates), 3)
            if service_rates and raw_rates
            else None
        ),
        "generation_first_piece_raw_p50": p50(raw_first_piece),
        "generation_first_piece_service_p50": p50(service_first_piece),
        "cross_lingual_first_token_p50": p50(
            [t.first_token for t in crossing if t.first_token is not None]
        ),
        "cross_lingual_turn_p50": p50([t.total for t in crossing]),
        "grounded_first_token_p50": p50([t.first_token for t in same if t.first_token is not None]),
        "grounded_first_token_p95": p95([t.first_token for t in same if t.first_token is not None]),
        "grounded_turn_p50": p50([t.total for t in same]),
        "naive_prompt_tokens_mean": round(statistics.mean(n["prompt_tokens"] for n in naive))
        if naive
        else None,
        "naive_raw_first_token_p50": p50([n["first_piece_seconds"] for n in naive]),
    }
    print_table(summary)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "service_vs_raw.json").write_text(
        json.dumps(
            {"summary": summary, "trace": trace, "raw": raw, "naive": naive},
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


def print_table(summary: dict[str, Any]) -> None:
    def cell(value: object) -> str:
        return "-" if value is None else str(value)

    rows = [
        (
            "first token of the model (s, p50)",
            summary["raw_first_token_p50"],
            summary["service_first_model_token_p50"],
            f"{cell(summary['service_minus_raw_first_token_ms_p50'])} ms",
        ),
        (
            "tokens/s while generating (p50)",
            summary["raw_tokens_per_second_p50"],
            summary["service_tokens_per_second_p50"],
            cell(summary["tokens_per_second_ratio"]),
        ),
        (
            "a generation's first piece (s, p50)",
            summary["generation_first_piece_raw_p50"],
            summary["generation_first_piece_service_p50"],
            "",
        ),
    ]
    heading = "cross-lingual turns, translated by the LLM"
    print(f"{heading:<44}{'raw':>10}{'Kefu':>10}{'Kefu vs raw':>14}")
    for name, raw, service, ratio in rows:
        print(f"{name:<44}{cell(raw):>10}{cell(service):>10}{ratio:>14}")
    print()
    for key in (
        "translations",
        "model_text_held_by_redactor_ms_p50",
        "cross_lingual_first_token_p50",
        "cross_lingual_turn_p50",
        "grounded_first_token_p50",
        "grounded_first_token_p95",
        "grounded_turn_p50",
        "naive_prompt_tokens_mean",
        "naive_raw_first_token_p50",
    ):
        print(f"{key:<44}{cell(summary[key]):>10}")


if __name__ == "__main__":
    sys.exit(main())
