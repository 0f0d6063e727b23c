"""Tool calls written by the bundled LLM: the share that validates, and their time.

.venv/bin/python -m bench.tool_calls [--calls 200] [--unconstrained 0]

Each call asks the model for `create_ticket` or `request_human` arguments about one of the
labelled conversations (evals/data/escalation.jsonl), exactly as the chat graph does, and
checks the raw reply against the tool's pydantic schema (no fallback counted as valid).
`--unconstrained N` also makes N calls without the JSON-schema grammar, for comparison.
"""

import argparse
import asyncio
import itertools
import statistics
import time
from dataclasses import replace
from typing import get_args

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from evals.escalation import read_conversations
from evals.run import DEFAULT_ESCALATION_DATA
from graphs.chat.escalation import EscalationReason
from graphs.chat.messages import ESCALATION_REASONS, NO_SOURCE
from graphs.chat.tool_arguments import (
    ARGUMENT_REPEAT_PENALTY,
    ARGUMENT_TOKENS,
    argument_prompt,
    argument_schema,
    transcript,
)
from graphs.chat.tools import CreateTicketArgs, RequestHumanArgs
from models.bundled import DEFAULT_LLM
from models.language import Language
from models.llm import ChatMessage, GenerationOptions, LlamaCppChatModel, acomplete

REASONS: tuple[EscalationReason, ...] = get_args(EscalationReason)


def conversation_messages(turns: list[str], lang: Language) -> list[AnyMessage]:
    messages: list[AnyMessage] = []
    for turn in turns:
        if messages:
            messages.append(AIMessage(NO_SOURCE[lang]))
        messages.append(HumanMessage(turn))
    return messages


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(
    llm: LlamaCppChatModel, calls: int, constrained: bool
) -> tuple[int, list[float], list[str]]:
    conversations = read_conversations(DEFAULT_ESCALATION_DATA)
    tools: list[tuple[str, type[BaseModel]]] = [
        ("create_ticket", CreateTicketArgs),
        ("request_human", RequestHumanArgs),
    ]
    valid = 0
    seconds: list[float] = []
    failures: list[str] = []
    plan = itertools.islice(
        zip(itertools.cycle(conversations), itertools.cycle(tools), itertools.cycle(REASONS)),
        calls,
    )
    for conversation, (name, schema), reason in plan:
        lang: Language = "zh" if conversation.lang == "zh" else "en"
        prompt: list[ChatMessage] = argument_prompt(
            tool=name,
            description="open a ticket" if name == "create_ticket" else "hand over to a person",
            schema=schema,
            conversation=transcript(conversation_messages(conversation.turns, lang), lang),
            reason=ESCALATION_REASONS[reason][lang],
            lang=lang,
        )
        options = GenerationOptions(
            max_tokens=ARGUMENT_TOKENS,
            temperature=0.0,
            json_schema=argument_schema(schema) if constrained else None,
            repeat_penalty=ARGUMENT_REPEAT_PENALTY,
        )
        if not constrained:
            prompt = [*prompt[:-1], replace(prompt[-1], content=prompt[-1].content + "\nJSON:")]
        started = time.perf_counter()
        raw = await acomplete(llm, prompt, options)
        seconds.append(time.perf_counter() - started)
        try:
            schema.model_validate_json(raw)
            valid += 1
        except ValidationError:
            failures.append(f"{conversation.id} {name}: {raw[:120]!r}")
    return valid, seconds, failures


def report(label: str, calls: int, valid: int, seconds: list[float], failures: list[str]) -> None:
    print(f"{label}: {valid}/{calls} valid = {valid / calls:.1%}")
    print(
        f"  seconds per call: p50 {statistics.median(seconds):.2f}  "
        f"p95 {quantile(seconds, 0.95):.2f}  mean {statistics.fmean(seconds):.2f}"
    )
    for failure in failures[:5]:
        print(f"  invalid: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--unconstrained", type=int, default=0)
    args = parser.parse_args()
    llm = LlamaCppChatModel(DEFAULT_LLM.path, context_tokens=4096, threads=2)
    valid, seconds, failures = asyncio.run(measure(llm, args.calls, constrained=True))
    report("constrained (JSON-schema grammar)", args.calls, valid, seconds, failures)
    if args.unconstrained:
        valid, seconds, failures = asyncio.run(measure(llm, args.unconstrained, constrained=False))
        report("unconstrained (prompt only)", args.unconstrained, valid, seconds, failures)


if __name__ == "__main__":
    main()
