"""The service's LLM with its Prometheus figures: requests waiting, streaming, tokens/s."""

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from app.core.metrics import (
    LLM_GENERATING,
    LLM_GENERATION_SECONDS,
    LLM_TOKENS,
    LLM_TOKENS_PER_SECOND,
    LLM_WAITING,
)
from models.llm import ChatMessage, ChatModel, GenerationOptions


@dataclass
class MeteredChatModel:
    """A ChatModel that counts what passes through it; the model itself is unchanged.

    A generation waits (behind another one on an in-process model, or in a server's queue)
    and reads its prompt until its first piece, then streams; one piece is one token for
    llama.cpp and near enough for servers."""

    inner: ChatModel
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def ready(self) -> bool:
        """Whether the model answers now: a server's own probe; an in-process model is loaded."""
        probe = getattr(self.inner, "ready", None)
        return bool(probe()) if callable(probe) else True

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        cancel: threading.Event,
    ) -> Iterator[str]:
        pieces = 0
        first_at = last_at = 0.0
        LLM_WAITING.inc()
        waiting = True
        try:
            for piece in self.inner.stream(messages, options, cancel):
                last_at = time.perf_counter()
                if waiting:
                    first_at = last_at
                    LLM_WAITING.dec()
                    LLM_GENERATING.inc()
                    waiting = False
                pieces += 1
                yield piece
        finally:
            if waiting:
                LLM_WAITING.dec()
            else:
                LLM_GENERATING.dec()
                LLM_TOKENS.inc(pieces)
                streaming = last_at - first_at
                LLM_GENERATION_SECONDS.inc(streaming)
                if pieces > 1 and streaming > 0:
                    # the first piece marks the start; the rest came in ``streaming`` seconds
                    LLM_TOKENS_PER_SECOND.observe((pieces - 1) / streaming)
