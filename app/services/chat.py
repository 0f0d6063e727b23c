"""One chat turn: run the graph, turn its progress into the stream events of the contract,
and keep the redacted transcript."""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from starlette.concurrency import run_in_threadpool

from app.analytics.model import Outcome
from app.analytics.store import AnalyticsStore
from app.core.i18n import message
from app.core.metrics import (
    CHAT_TURNS,
    FIRST_TOKEN_SECONDS,
    TOOL_CALLS,
    TURN_SECONDS,
    TURNS_ACTIVE,
    TURNS_REFUSED,
    TURNS_WAITING,
)
from app.services.admission import TurnGate, TurnsBusy
from app.services.session_locks import LocalSessionLocks, SessionLocks
from app.services.transcripts import TranscriptStore
from graphs.chat.context import ChatServices, TurnContext
from models.language import Language, detect_language, normalise_locale
from models.llm import LLMError

logger = logging.getLogger("kefu.chat")


@dataclass(frozen=True)
class ChatEvent:
    event: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TurnRequest:
    message: str
    session_id: str | None = None
    customer_id: str | None = None
    locale: str | None = None


def source_item(passage: dict[str, Any]) -> dict[str, Any]:
    return {
        "document_id": passage["document_id"],
        "document": passage["document"],
        "title": passage["title"],
        "heading": passage.get("heading", ""),
        "chunk_id": passage["chunk_id"],
        "score": passage["score"],
        "url": source_url(passage["chunk_id"]),
    }


def source_url(chunk_id: str) -> str:
    """Where a shopper reads a cited passage: the page ``app.api.routes.web`` serves."""
    return f"/sources/{quote(chunk_id, safe='')}"


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _outcome(call: dict[str, Any]) -> str:
    """`model` / `fallback` for arguments the model wrote; the look-up's result otherwise."""
    if "from_model" in call:
        return "model" if call["from_model"] else "fallback"
    return str(call.get("outcome", "done"))


# Small talk that closes a conversation: the moment to ask for a rating.
CLOSING_TALK = frozenset({"thanks", "goodbye"})


def turn_outcome(nodes: set[str], state: dict[str, Any]) -> Outcome:
    """How the turn ended, from the graph nodes it went through."""
    if "escalate" in nodes:
        return Outcome.escalated
    if "small_talk" in nodes:
        return Outcome.smalltalk
    if "order_status" in nodes:
        return Outcome.order
    if "clarify" in nodes:
        return Outcome.clarified
    return Outcome.answered if state.get("passages") else Outcome.abstained


class ChatService:
    def __init__(
        self,
        graph: Any,
        services: ChatServices,
        transcripts: TranscriptStore,
        analytics: AnalyticsStore | None = None,
        locks: SessionLocks | None = None,
        turn_timeout: float | None = None,
        gate: TurnGate | None = None,
    ) -> None:
        self._graph = graph
        # Turns that run at once in this worker; the rest wait in line or are refused.
        self._gate = gate or TurnGate(max_active=8, max_waiting=64)
        self._turn_timeout = turn_timeout
        self._services = services
        self._transcripts = transcripts
        self._analytics = analytics
        # One turn at a time per session, so turns never interleave in its checkpoints.
        self._locks: SessionLocks = locks or LocalSessionLocks()

    def _lock(self, session_id: str) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(session_id)

    async def seed_history(self, session_id: str, history: list[tuple[str, str]]) -> None:
        """Put earlier (role, text) exchanges into a session's memory, redacted, as if they had
        been said in it (evaluations of follow-up questions; imported conversations)."""
        redactor = self._services.redactor
        messages: list[AnyMessage] = []
        for role, text in history:
            redacted = redactor.redact(text, detect_language(text)).text
            messages.append(HumanMessage(redacted) if role == "user" else AIMessage(redacted))
        async with self._lock(session_id):
            await self._graph.aupdate_state(
                {"configurable": {"thread_id": session_id}},
                {"messages": messages},
                as_node="redact_output",
            )

    async def _record(
        self,
        session_id: str,
        lang: Language,
        state: dict[str, Any],
        outcome: Outcome,
        started: float,
        first_token_at: float | None,
    ) -> None:
        """Count the turn for analytics; a failure here never fails the shopper's turn."""
        if self._analytics is None:
            return
        try:
            await run_in_threadpool(
                partial(
                    self._analytics.record_turn,
                    session_id,
                    lang=lang,
                    intent=str((state.get("intent") or {}).get("label") or "unknown"),
                    outcome=outcome,
                    question=str(state.get("question") or ""),
                    first_token_ms=_ms(first_token_at - started) if first_token_at else None,
                    turn_ms=_ms(time.perf_counter() - started),
                    ticket_id=(state.get("ticket") or {}).get("id"),
                )
            )
        except Exception:
            logger.exception("analytics could not record a turn of session %s", session_id)

    async def _unrated(self, session_id: str) -> bool:
        if self._analytics is None:
            return False
        return not await run_in_threadpool(self._analytics.rated, session_id)

    def admit(self) -> None:
        """Raise TurnsBusy when this worker cannot take another turn now (its line is full)."""
        try:
            self._gate.check()
        except TurnsBusy:
            TURNS_REFUSED.inc()
            raise

    async def run_turn(self, request: TurnRequest) -> AsyncIterator[ChatEvent]:
        """The turn's events. It waits for its session's earlier turn, then for a turn slot of
        the worker; its deadline counts from now."""
        started = time.perf_counter()
        session_id = request.session_id or uuid.uuid4().hex
        lang: Language = normalise_locale(request.locale) or "en"
        yield ChatEvent("session", {"session_id": session_id})
        async with self._lock(session_id), self._gate.slot():
            async for event in self._turn(session_id, lang, request, started):
                yield event

    async def _turn(
        self, session_id: str, lang: Language, request: TurnRequest, started: float
    ) -> AsyncIterator[ChatEvent]:
        await run_in_threadpool(
            self._transcripts.touch_session, session_id, request.customer_id, lang
        )
        for reply in await run_in_threadpool(self._transcripts.take_agent_messages, session_id):
            yield ChatEvent(
                "agent_message",
                {"id": reply.id, "text": reply.content, "created_at": reply.created_at.isoformat()},
            )
        state: dict[str, Any] = {}
        nodes: set[str] = set()
        first_token_at: float | None = None
        progress = self._graph.astream(
            {},
            {"configurable": {"thread_id": session_id}},
            context=TurnContext(
                self._services,
                request.message,
                request.locale,
                session_id=session_id,
                customer_id=request.customer_id,
            ),
            stream_mode=["custom", "updates"],
        )
        deadline = None if self._turn_timeout is None else started + self._turn_timeout
        try:
            async for mode, chunk in _until(progress, deadline):
                if mode == "custom":
                    if first_token_at is None:
                        first_token_at = time.perf_counter()
                        FIRST_TOKEN_SECONDS.observe(first_token_at - started)
                    yield ChatEvent("token", {"text": chunk["token"]})
                    continue
                for node, changed in chunk.items():
                    update: dict[str, Any] = changed or {}
                    nodes.add(node)
                    state.update(update)
                    if node == "redact_input":
                        lang = "zh" if update["lang"] == "zh" else "en"
                    elif node == "classify_intent":
                        yield ChatEvent("intent", update["intent"])
                    for call in update.get("tool_calls") or []:
                        TOOL_CALLS.labels(call["name"], _outcome(call)).inc()
                    if node == "escalate" and update.get("ticket"):
                        yield ChatEvent("ticket", update["ticket"])
        except (asyncio.CancelledError, GeneratorExit):
            CHAT_TURNS.labels("cancelled").inc()  # the client went away; generation stops
            raise
        except Exception as exc:
            outcome, code = _failure(exc)
            if outcome == "error":
                logger.exception("chat turn failed in session %s", session_id)
            else:
                logger.warning("chat turn of session %s: %s (%s)", session_id, code, exc)
            CHAT_TURNS.labels(outcome).inc()
            await self._record(session_id, lang, state, Outcome.error, started, first_token_at)
            yield ChatEvent("error", {"code": code, "message": message(code, lang)})
            return

        sources = [source_item(p) for p in state.get("passages", [])]
        yield ChatEvent("sources", {"items": sources})
        intent = state.get("intent", {}).get("label")
        await run_in_threadpool(
            self._transcripts.add_turn,
            session_id,
            state.get("question", ""),
            state.get("answer", ""),
            intent,
            sources,
            state.get("prompt_version"),
        )
        CHAT_TURNS.labels("handoff" if state.get("handoff") else "answered").inc()
        TURN_SECONDS.observe(time.perf_counter() - started)
        outcome = turn_outcome(nodes, state)
        await self._record(session_id, lang, state, outcome, started, first_token_at)
        if state.get("small_talk") in CLOSING_TALK and await self._unrated(session_id):
            yield ChatEvent(
                "rating",
                {
                    "prompt": message("rating_prompt", lang),
                    "scale": [1, 2, 3, 4, 5],
                    "feedback_url": f"/v1/sessions/{session_id}/feedback",
                },
            )
        yield ChatEvent(
            "done",
            {
                "session_id": session_id,
                "answer": state.get("answer", ""),
                "intent": state.get("intent"),
                "sources": sources,
                "ticket_id": (state.get("ticket") or {}).get("id"),
                "handoff": bool(state.get("handoff")),
                "lang": lang,
                "prompt_version": state.get("prompt_version"),
                "tools": [call["name"] for call in state.get("tool_calls") or []],
            },
        )


async def _until(progress: AsyncIterator[Any], deadline: float | None) -> AsyncIterator[Any]:
    """The graph's progress until ``deadline`` (a perf_counter time), then TimeoutError. The
    step running at the deadline is cancelled, which stops its generation.

    ``asyncio.timeout`` and not ``wait_for``: in Python 3.11 ``wait_for`` drops a cancellation
    (the shopper leaving) that arrives as the step completes, and the turn would run on."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            when = None if deadline is None else loop.time() + deadline - time.perf_counter()
            try:
                async with asyncio.timeout_at(when):
                    item = await anext(progress)
            except StopAsyncIteration:
                return
            yield item
    finally:
        await progress.aclose()  # type: ignore[attr-defined]


def count_turns(active: int, waiting: int) -> None:
    """The turn gate's figures, as gauges."""
    TURNS_ACTIVE.set(active)
    TURNS_WAITING.set(waiting)


def _failure(exc: Exception) -> tuple[str, str]:
    """A failed turn's outcome (for the metric) and its error code (for the shopper)."""
    if isinstance(exc, TimeoutError):
        return "timeout", "turn_timeout"  # past its deadline
    if isinstance(exc, LLMError):
        return "llm_error", "llm_unavailable"
    return "error", "internal_error"
