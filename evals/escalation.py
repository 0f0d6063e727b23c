"""Escalation precision and recall on labelled conversations, through the real chat service.

A data line: ``{"id", "lang", "turns": [shopper messages], "must_escalate": bool, "why"}``.
A conversation counts as escalated when any of its turns opened or updated a ticket.
"""

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.services.chat import ChatService, TurnRequest
from evals.records import quantile, read_jsonl


@dataclass(frozen=True)
class Conversation:
    id: str
    lang: str
    turns: list[str]
    must_escalate: bool
    why: str = ""


@dataclass
class ConversationResult:
    conversation: Conversation
    escalated: bool
    escalated_at_turn: int | None
    tools: list[str]
    answers: list[str]


@dataclass
class EscalationReport:
    results: list[ConversationResult]
    tool_turn_seconds: list[float] = field(default_factory=list)
    turn_seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        tp = sum(r.escalated and r.conversation.must_escalate for r in self.results)
        fp = sum(r.escalated and not r.conversation.must_escalate for r in self.results)
        fn = sum(not r.escalated and r.conversation.must_escalate for r in self.results)
        by_why: dict[str, Counter[str]] = {}
        for r in self.results:
            right = r.escalated == r.conversation.must_escalate
            by_why.setdefault(r.conversation.why, Counter())["right" if right else "wrong"] += 1
        by_lang: dict[str, dict[str, float]] = {}
        for lang in sorted({r.conversation.lang for r in self.results}):
            part = [r for r in self.results if r.conversation.lang == lang]
            by_lang[lang] = _rates(part)
        return {
            "n": len(self.results),
            **_rates(self.results),
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
            "by_language": by_lang,
            "by_why": {why: dict(counts) for why, counts in sorted(by_why.items())},
            "wrong": [
                {
                    "id": r.conversation.id,
                    "must_escalate": r.conversation.must_escalate,
                    "why": r.conversation.why,
                    "turns": r.conversation.turns,
                    "answers": r.answers,
                }
                for r in self.results
                if r.escalated != r.conversation.must_escalate
            ],
            "tool_calls": Counter(name for r in self.results for name in r.tools),
            "tool_turn_seconds_p50": quantile(self.tool_turn_seconds, 0.5),
            "tool_turn_seconds_p95": quantile(self.tool_turn_seconds, 0.95),
            "turn_seconds_p50": quantile(self.turn_seconds, 0.5),
        }


def _rates(results: list[ConversationResult]) -> dict[str, float]:
    tp = sum(r.escalated and r.conversation.must_escalate for r in results)
    predicted = sum(r.escalated for r in results)
    actual = sum(r.conversation.must_escalate for r in results)
    right = sum(r.escalated == r.conversation.must_escalate for r in results)
    return {
        "precision": round(tp / predicted, 4) if predicted else 1.0,
        "recall": round(tp / actual, 4) if actual else 1.0,
        "accuracy": round(right / len(results), 4) if results else 0.0,
    }


def read_conversations(path: Path) -> list[Conversation]:
    def make(row: dict[str, Any], _: int) -> Conversation:
        return Conversation(
            id=str(row["id"]),
            lang=str(row["lang"]),
            turns=[str(t) for t in row["turns"]],
            must_escalate=bool(row["must_escalate"]),
            why=str(row.get("why", "")),
        )

    return read_jsonl(path, make, "a conversation line")


async def evaluate(chat: ChatService, conversations: list[Conversation]) -> EscalationReport:
    """Every conversation in a session of its own, every turn through the chat service."""
    report = EscalationReport(results=[])
    for conversation in conversations:
        session_id = f"eval-{conversation.id}-{uuid.uuid4().hex[:8]}"
        escalated_at: int | None = None
        tools: list[str] = []
        answers: list[str] = []
        for number, message in enumerate(conversation.turns, start=1):
            started = time.perf_counter()
            ticket = False
            done: dict[str, Any] = {}
            async for event in chat.run_turn(
                TurnRequest(message=message, session_id=session_id, locale=conversation.lang)
            ):
                if event.event == "ticket":
                    ticket = True
                elif event.event == "done":
                    done = event.data
            seconds = time.perf_counter() - started
            report.turn_seconds.append(seconds)
            if ticket:  # the model wrote a tool call's arguments in this turn
                report.tool_turn_seconds.append(seconds)
            tools.extend(done.get("tools") or [])
            answers.append(str(done.get("answer", "")))
            if ticket and escalated_at is None:
                escalated_at = number
        report.results.append(
            ConversationResult(conversation, escalated_at is not None, escalated_at, tools, answers)
        )
    return report
