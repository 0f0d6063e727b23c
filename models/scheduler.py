"""A bounded, fair queue in front of a fixed number of model instances.

Each instance (a llama.cpp model in this process, or one of the generations a server runs at
once) serves one generation at a time on a thread of its own, so a waiting generation holds
no thread of the caller's. Generations wait in one line, served round robin across sessions:
a session with several generations waiting gets one in each round, so no shopper waits behind
another one's series. At most ``max_waiting`` generations wait, and none that would likely
wait longer than ``max_wait_seconds`` to start (from the running mean of generations' lengths);
one more is refused at once with ``LLMBusy``, whose caller does without the model (the answer
quotes the help centre's original wording, a hand-over takes the policy's arguments) rather
than keep a shopper waiting for minutes.
"""

import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from models.llm import (
    ChatMessage,
    ChatModel,
    Generation,
    GenerationOptions,
    LLMBusy,
    StreamEnd,
    run_generation,
)

logger = logging.getLogger("kefu.llm")

INITIAL_GENERATION_SECONDS = 2.0  # the guess of a generation's length until one is measured
SMOOTHING = 0.2  # weight of the newest generation in the running mean of their lengths


@dataclass(frozen=True)
class GenerationRecord:
    """What became of one generation, for metrics and traces."""

    generation: Generation
    instance: int
    queued_seconds: float  # from being asked for to its instance starting it
    first_piece_seconds: float | None  # from its start to its first piece (reading the prompt)
    seconds: float  # from its start to its end
    pieces: int
    outcome: str  # done, cancelled (its caller left) or error
    text: str
    started_at: float = 0.0  # wall-clock time (time.time()) its instance started it


class SchedulerObserver(Protocol):
    """Told what the queue does (the app turns it into metrics and, if asked, a trace)."""

    def refused(self, waiting: int) -> None: ...

    def started(self, queued_seconds: float) -> None: ...

    def finished(self, record: GenerationRecord) -> None: ...


class _Silent:
    def refused(self, waiting: int) -> None:
        pass

    def started(self, queued_seconds: float) -> None:
        pass

    def finished(self, record: GenerationRecord) -> None:
        pass


@dataclass
class _Waiting:
    generation: Generation
    queued_at: float = field(default_factory=time.perf_counter)


class LLMScheduler:
    """A ChatModel made of ``instances`` behind one bounded, fair queue (see the module)."""

    def __init__(
        self,
        instances: Sequence[ChatModel],
        *,
        max_waiting: int,
        max_wait_seconds: float = float("inf"),
        observer: SchedulerObserver | None = None,
    ) -> None:
        if not instances:
            raise ValueError("a scheduler needs at least one model instance")
        if max_waiting < 0:
            raise ValueError("max_waiting must be 0 or more")
        self.instances = list(instances)
        self.name = self.instances[0].name
        self.max_waiting = max_waiting
        self.max_wait_seconds = max_wait_seconds
        self._observer: SchedulerObserver = observer or _Silent()
        self._lines: OrderedDict[str, deque[_Waiting]] = OrderedDict()
        self._waiting = 0
        self._running = 0
        self._closed = False
        self._mean_seconds = INITIAL_GENERATION_SECONDS
        self._condition = threading.Condition()
        self._threads = [
            threading.Thread(target=self._serve, args=(index,), name=f"kefu-llm-{index}")
            for index in range(len(self.instances))
        ]
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    # --- ChatModel ---------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        return self.instances[0].count_tokens(text)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        cancel: threading.Event,
    ) -> Iterator[str]:
        """The blocking form, for callers outside an event loop: the calling thread waits."""
        pieces: queue.SimpleQueue[str | StreamEnd] = queue.SimpleQueue()
        self.enqueue(Generation(messages, options, pieces.put, cancel))
        try:
            while True:
                item = pieces.get()
                if isinstance(item, StreamEnd):
                    if item.error is not None:
                        raise item.error
                    return
                yield item
        finally:
            cancel.set()

    def ready(self) -> bool:
        """Whether the model answers now (a server's own probe; an in-process model is loaded)."""
        probe = getattr(self.instances[0], "ready", None)
        return bool(probe()) if callable(probe) else True

    # --- the queue -----------------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Generations in line, not yet started."""
        with self._condition:
            return self._waiting

    @property
    def running(self) -> int:
        with self._condition:
            return self._running

    def retry_after(self) -> float:
        """Seconds until a generation asked for now would likely start."""
        with self._condition:
            return self._expected_wait(self._waiting)

    def _expected_wait(self, ahead: int) -> float:
        """Those ahead in line, and half of what runs now (it is halfway done, on average)."""
        return (ahead + 0.5) * self._mean_seconds / len(self.instances)

    def enqueue(self, generation: Generation) -> None:
        """Queue the generation behind the others of its key; LLMBusy when the line is full or
        the generation would likely wait longer than ``max_wait_seconds`` to start."""
        with self._condition:
            if self._closed:
                raise LLMBusy(self._waiting, 0.0)
            busy = self._running >= len(self.instances)
            wait = self._expected_wait(self._waiting)
            if busy and (self._waiting >= self.max_waiting or wait > self.max_wait_seconds):
                waiting = self._waiting
                retry_after = wait
            else:
                self._lines.setdefault(generation.key, deque()).append(_Waiting(generation))
                self._waiting += 1
                self._condition.notify()
                return
        self._observer.refused(waiting)
        raise LLMBusy(waiting, retry_after)

    def _next(self) -> _Waiting | None:
        """The next generation: the first in line of the session whose turn it is."""
        with self._condition:
            while not self._lines and not self._closed:
                self._condition.wait()
            if self._closed:
                return None
            key, line = next(iter(self._lines.items()))
            item = line.popleft()
            del self._lines[key]
            if line:  # the session's next one goes to the back of the round
                self._lines[key] = line
            self._waiting -= 1
            self._running += 1
            return item

    def _serve(self, index: int) -> None:
        model = self.instances[index]
        while (item := self._next()) is not None:
            try:
                self._run(index, model, item)
            except Exception:  # never let one generation take the instance's thread down
                logger.exception("the LLM scheduler failed a generation")
            finally:
                with self._condition:
                    self._running -= 1

    def _run(self, index: int, model: ChatModel, item: _Waiting) -> None:
        generation = item.generation
        started = time.perf_counter()
        started_at = time.time()
        queued = started - item.queued_at
        if generation.cancel.is_set():  # its turn ended while it waited
            record = GenerationRecord(
                generation, index, queued, None, 0.0, 0, "cancelled", "", started_at
            )
            self._observer.finished(record)
            generation.deliver(StreamEnd())
            return
        self._observer.started(queued)
        first: float | None = None
        text: list[str] = []

        def deliver(piece: str | StreamEnd) -> None:
            nonlocal first
            if not isinstance(piece, StreamEnd):
                first = time.perf_counter() - started if first is None else first
                text.append(piece)
                generation.deliver(piece)
                return
            # Counted before the caller hears of the end, which may set ``cancel`` at once.
            seconds = time.perf_counter() - started
            outcome = "error" if piece.error is not None else "done"
            if generation.cancel.is_set():
                outcome = "cancelled"
            with self._condition:
                self._mean_seconds += SMOOTHING * (seconds - self._mean_seconds)
            self._observer.finished(
                GenerationRecord(
                    generation,
                    index,
                    queued,
                    first,
                    seconds,
                    len(text),
                    outcome,
                    "".join(text),
                    started_at,
                )
            )
            generation.deliver(piece)

        run_generation(model, replace(generation, deliver=deliver))

    def close(self) -> None:
        """Stop the instances' threads once their generations end; waiting ones are ended."""
        with self._condition:
            self._closed = True
            left = [item for line in self._lines.values() for item in line]
            self._lines.clear()
            self._waiting = 0
            self._condition.notify_all()
        for item in left:
            item.generation.deliver(StreamEnd(LLMBusy(0, 0.0)))
        for thread in self._threads:
            thread.join(timeout=5)
