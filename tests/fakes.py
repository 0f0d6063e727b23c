"""Small fakes for unit tests of routing and streaming; capability tests use the real parts."""

import hashlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from graphs.chat.context import OpenedTicket
from graphs.chat.orders import OrderServiceUnavailable
from ingest.store import Passage
from models.embedder import Vectors
from models.intents import IntentResult, IntentScore
from models.llm import ChatMessage, GenerationOptions, LLMError, estimate_tokens


@dataclass
class ScriptedChatModel:
    """Replies with scripted pieces, one reply per call, and records every prompt."""

    replies: list[list[str]]
    name: str = "scripted"
    prompts: list[list[ChatMessage]] = field(default_factory=list)
    fail: bool = False
    # The reply to a constrained (tool-argument) call; answers and tool calls are scripted apart.
    tool_reply: str = "{}"
    tool_prompts: list[list[ChatMessage]] = field(default_factory=list)
    delay: float = 0.0  # seconds before each piece, as a slow or queued model takes
    cancelled: int = 0  # replies given up because their turn was cancelled

    def stream(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, cancel: threading.Event
    ) -> Iterator[str]:
        if options.json_schema is not None:
            self.tool_prompts.append(list(messages))
            if self.fail:
                raise LLMError("scripted failure")
            yield self.tool_reply
            return
        self.prompts.append(list(messages))
        if self.fail:
            raise LLMError("scripted failure")
        reply = self.replies[min(len(self.prompts) - 1, len(self.replies) - 1)]
        for piece in reply:
            if cancel.wait(self.delay) if self.delay else cancel.is_set():
                self.cancelled += 1
                return
            yield piece

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)


@dataclass
class FakeRetriever:
    """Returns fixed passages for any query and records the queries."""

    passages: list[Passage]
    queries: list[str] = field(default_factory=list)
    fail: bool = False

    def search(self, query: str, k: int) -> list[Passage]:
        self.queries.append(query)
        if self.fail:
            raise ConnectionError("knowledge store unreachable")
        return self.passages[:k]

    # Relevance: a text is as relevant as the passage it comes from.
    def coverage(self, query: str, text: str) -> float:
        return self._score_of(text)

    def similarity(self, query: str, texts: Sequence[str]) -> list[float]:
        return [self._score_of(text) for text in texts]

    def _score_of(self, text: str) -> float:
        scores = [
            p.score for p in self.passages if p.text in text or text.split(": ")[-1] in p.text
        ]
        return max(scores, default=0.0)


class ScoredRetriever(FakeRetriever):
    """Passages per question: the first key found in the query picks them (none: nothing)."""

    def __init__(self, by_word: dict[str, list[Passage]]) -> None:
        super().__init__([p for found in by_word.values() for p in found])
        self._by_word = by_word

    def search(self, query: str, k: int) -> list[Passage]:
        self.queries.append(query)
        return next((v for key, v in self._by_word.items() if key in query), [])[:k]


class HashEmbedder:
    """Deterministic bag-of-character-trigram vectors: similar texts get similar vectors."""

    name = "hash-embedder"
    dimension = 256

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            lowered = text.lower()
            for i in range(max(1, len(lowered) - 2)):
                digest = hashlib.md5(lowered[i : i + 3].encode()).digest()
                out[row, digest[0] % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


class FailingEmbedder:
    """Wraps an embedder and fails on demand, to prove that a failed ingest loses nothing."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.name = inner.name  # type: ignore[attr-defined]
        self.dimension = inner.dimension  # type: ignore[attr-defined]
        self.fail = False

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self.fail:
            raise RuntimeError("embedder down")
        return self._inner.embed(texts)  # type: ignore[attr-defined, no-any-return]


def passage(
    text: str, *, title: str = "Returns", document: str = "returns.en.md", score: float = 0.8
) -> Passage:
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Passage(
        chunk_id=f"doc1-{digest}",
        document_id="doc1",
        document=document,
        title=title,
        heading="",
        text=text,
        lang="en",
        score=score,
    )


@dataclass
class FixedIntents:
    """Gives every message the same intent, with the given confidence."""

    label: str = "check_refund_policy"
    confidence: float = 0.9
    runner_up: str = "get_refund"

    def classify(self, text: str) -> IntentResult:
        top = [IntentScore(self.label, self.confidence), IntentScore(self.runner_up, 0.05)]
        return IntentResult(self.label, self.confidence, top)


@dataclass
class FakeTicketDesk:
    """Opens numbered tickets, one per idempotency key, and records the calls."""

    calls: list[dict[str, str | None]] = field(default_factory=list)
    by_key: dict[str, int] = field(default_factory=dict)

    def open_ticket(
        self,
        *,
        session_id: str,
        summary: str,
        category: str,
        priority: str,
        idempotency_key: str,
        customer_id: str | None = None,
        order_id: str | None = None,
    ) -> OpenedTicket:
        self.calls.append(
            {
                "session_id": session_id,
                "summary": summary,
                "category": category,
                "priority": priority,
                "order_id": order_id,
            }
        )
        number = self.by_key.setdefault(idempotency_key, 1000 + len(self.by_key) + 1)
        return OpenedTicket(number, "open")


@dataclass
class DownOrderSystem:
    """An order system that cannot be reached."""

    def get_order(self, order_id: str, customer_id: str | None = None) -> None:
        raise OrderServiceUnavailable("connection refused")


@dataclass
class FakeVault:
    """Numbers tokens in order and remembers the originals."""

    originals: dict[str, str] = field(default_factory=dict)

    def pseudonymise(
        self, entity: str, value: str, session_id: str, customer_id: str | None = None
    ) -> str:
        token = f"[{entity}:{len(self.originals):010d}]"
        self.originals[token] = value
        return token


class SharedWords:
    """Relevance as the share of the question's words a text contains."""

    def coverage(self, query: str, text: str) -> float:
        wanted = set(query.lower().split())
        return len(wanted & set(text.lower().replace(".", "").split())) / len(wanted)

    def similarity(self, query: str, texts: Sequence[str]) -> list[float]:
        return [self.coverage(query, text) for text in texts]


class FailingScanner:
    """A personal-data scanner that fails on demand. The pipeline scans after a version's
    chunks are written and before the catalog names it: failing there is an upload cut off
    between its two writes, like a kill -9."""

    def __init__(self) -> None:
        self.fail = False

    def count(self, text: str, lang: str) -> dict[str, int]:
        if self.fail:
            raise RuntimeError("cut off before the catalog")
        return {}
