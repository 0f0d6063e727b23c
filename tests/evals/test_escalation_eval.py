"""The hand-over policy on the labelled conversations, through the real intent model,
knowledge base, redactor, ticket store and chat service (the answers' wording comes from a
scripted model: whether a turn escalates does not depend on it)."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
from fastapi import FastAPI
from langgraph.checkpoint.memory import InMemorySaver

from app.services.chat import ChatService
from app.services.orders import DemoOrderStore
from app.services.tickets import TicketDeskAdapter
from app.services.transcripts import TranscriptStore
from evals.escalation import evaluate, read_conversations
from evals.run import DEFAULT_ESCALATION_DATA
from graphs.chat.context import ChatConfig, ChatServices
from graphs.chat.graph import build_chat_graph
from graphs.redaction.engine import Redactor
from tests.fakes import ScriptedChatModel

ROOT = Path(__file__).resolve().parents[2]


async def test_must_escalate_recall_and_precision_on_the_labelled_set(
    api: httpx.AsyncClient, api_app: FastAPI, redactor: Redactor
) -> None:
    container = api_app.state.container
    services = ChatServices(
        llm=ScriptedChatModel([["Here is what our help centre says [1]."]]),
        retriever=container.retriever,
        redactor=redactor,
        intents=container.intents,
        config=ChatConfig(),
        tickets=TicketDeskAdapter(container.tickets),
        orders=DemoOrderStore(),
    )
    chat = ChatService(
        build_chat_graph(InMemorySaver()), services, TranscriptStore(container.engine)
    )
    conversations = read_conversations(DEFAULT_ESCALATION_DATA)
    assert len(conversations) >= 60 and {c.lang for c in conversations} == {"en", "zh"}

    report = await evaluate(chat, conversations)
    summary = report.summary()
    wrong = json.dumps(summary["wrong"], ensure_ascii=False, indent=1)

    # Whether these escalate is read from the shopper's own words: the policy alone decides.
    decided_by_the_message = [
        r
        for r in report.results
        if r.conversation.why
        in {"asked_for_person", "complaint", "refund_dispute", "payment_problem"}
    ]
    assert len(decided_by_the_message) >= 30
    escalated = sum(r.escalated for r in decided_by_the_message)
    assert escalated / len(decided_by_the_message) >= 0.95, wrong
    # Nothing that must not escalate does, whatever the answers say.
    assert summary["false_positives"] <= 1 and summary["precision"] >= 0.95, wrong
    # Accepting an offer and repeated misses depend on the model admitting it has no answer;
    # `kefu eval escalation` measures them with the bundled LLM (see README).
    assert summary["recall"] >= 0.8, wrong


def test_bad_data_is_refused_clearly(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x", "turns": ["hi"]}\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "eval", "escalation", "--data", str(broken)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2 and "broken.jsonl:1" in result.stderr
