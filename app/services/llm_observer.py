"""What the LLM queue does, as metrics and, when asked for, a trace of every generation."""

import json
import logging
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from app.core.metrics import LLM_QUEUE_SECONDS, LLM_QUEUED, LLM_REFUSED
from models.scheduler import GenerationRecord, LLMScheduler

logger = logging.getLogger("kefu.llm")


class LLMQueueObserver:
    """Counts refusals and queue waits; with ``trace_path``, appends one JSON line per
    generation: when, its messages and options, queue wait, time to its first piece, length,
    pieces, outcome and text. The messages hold only redacted text, but still the shoppers'
    words: a trace is for benchmarks and debugging, not to keep."""

    def __init__(self, trace_path: Path | None = None) -> None:
        self._trace_path = trace_path
        self._trace_lock = threading.Lock()

    def watch(self, scheduler: LLMScheduler) -> None:
        """Report ``scheduler``'s line length at each scrape."""
        LLM_QUEUED.set_function(lambda: scheduler.waiting)

    def refused(self, waiting: int) -> None:
        LLM_REFUSED.inc()
        logger.warning("LLM queue full (%d waiting): a turn goes on without the model", waiting)

    def started(self, queued_seconds: float) -> None:
        LLM_QUEUE_SECONDS.observe(queued_seconds)

    def finished(self, record: GenerationRecord) -> None:
        if self._trace_path is None:
            return
        generation = record.generation
        line = {
            "at": datetime.now(UTC).isoformat(),
            "started_at": round(record.started_at, 4),
            "instance": record.instance,
            "messages": [asdict(message) for message in generation.messages],
            "options": {
                "max_tokens": generation.options.max_tokens,
                "temperature": generation.options.temperature,
                "stop": list(generation.options.stop),
                "json_schema": generation.options.json_schema,
                "repeat_penalty": generation.options.repeat_penalty,
            },
            "queued_seconds": round(record.queued_seconds, 4),
            "first_piece_seconds": (
                None if record.first_piece_seconds is None else round(record.first_piece_seconds, 4)
            ),
            "seconds": round(record.seconds, 4),
            "pieces": record.pieces,
            "outcome": record.outcome,
            "text": record.text,
        }
        try:
            with self._trace_lock, self._trace_path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as exc:
            logger.warning("LLM trace not written to %s: %s", self._trace_path, exc)
