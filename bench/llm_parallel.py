"""One llama.cpp instance with every thread, or several with fewer threads each, on this box.

    .venv/bin/python -m bench.llm_parallel [--generations 12]

The question behind KEFU_LLM_PARALLEL and KEFU_LLM_THREADS: with N cores, is one instance with
N threads or two with N/2 each the better use of them? Runs the same translations (prompts as
Kefu writes them, greedy, the bundled model) through Kefu's LLM queue (models.scheduler) in
both layouts, all asked at once, and prints each layout's tokens per second in all, the speed
of each answer while it streams, and the time until the last one is done.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time

from models.bundled import DEFAULT_LLM
from models.llm import ChatMessage, GenerationOptions, astream, create_chat_models
from models.scheduler import LLMScheduler
from prompts import load_prompt

SENTENCES = [
    "Returns are accepted within 30 days of delivery for unused items.",
    "Express delivery costs ¥15 and arrives the next working day.",
    "Refunds go back to the original payment method within 5 business days.",
    "We accept Alipay, WeChat Pay and UnionPay cards.",
    "Opened small appliances can be returned within 15 days.",
    "Orders over ¥199 ship free with ZTO in 3 to 5 business days.",
]


def messages(text: str) -> list[ChatMessage]:
    system, user = load_prompt("translate_system", "zh"), load_prompt("translate_user", "zh")
    return [ChatMessage("system", system.text), ChatMessage("user", user.render(text=text))]


async def layout(instances: int, threads: int, generations: int) -> dict[str, float | int]:
    models = create_chat_models(
        f"llamacpp:{DEFAULT_LLM.path}",
        parallel=instances,
        model_name="bench",
        context_tokens=2048,
        threads=threads,
        timeout=60,
    )
    scheduler = LLMScheduler(models, max_waiting=generations)
    options = GenerationOptions(max_tokens=64, temperature=0.0)
    speeds: list[float] = []
    pieces = 0

    async def one(index: int) -> None:
        nonlocal pieces
        first = last = 0.0
        count = 0
        text = SENTENCES[index % len(SENTENCES)]
        async for _ in astream(scheduler, messages(text), options, key=f"s{index}"):
            last = time.perf_counter()
            first = first or last
            count += 1
        pieces += count
        if count > 1:
            speeds.append((count - 1) / (last - first))

    await one(0)  # warm-up: the system prompt is read once per instance
    pieces = 0
    speeds.clear()
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(generations)))
    elapsed = time.perf_counter() - started
    scheduler.close()
    return {
        "instances": instances,
        "threads_each": threads,
        "tokens_per_second_in_all": round(pieces / elapsed, 1),
        "answer_tokens_per_second_p50": round(statistics.median(speeds), 1),
        "seconds_to_last": round(elapsed, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="One llama.cpp instance or several")
    parser.add_argument("--generations", type=int, default=12)
    args = parser.parse_args()
    cores = os.cpu_count() or 2
    rows = [
        asyncio.run(layout(1, cores, args.generations)),
        asyncio.run(layout(2, max(1, cores // 2), args.generations)),
    ]
    keys = list(rows[0])
    print("".join(f"{key:>30}" for key in keys))
    for row in rows:
        print("".join(f"{row[key]!s:>30}" for key in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
