"""Admission of chat turns: a fixed number run at once in a worker, a bounded line waits.

A turn is mostly CPU work (redaction, intent, retrieval, evidence) on a box with few cores;
a hundred turns at once would each take a hundred times longer and all of them would reach
their deadline. So at most ``max_active`` turns run, the next ``max_waiting`` wait in arrival
order, and a turn asked for beyond that is refused at once (429 with Retry-After: the widget
says so and tries again) instead of being accepted and left to time out.
"""

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

INITIAL_TURN_SECONDS = 1.0  # the guess of a turn's length until one is measured
SMOOTHING = 0.1  # weight of the newest turn in the running mean of their lengths
MAX_RETRY_AFTER_SECONDS = 60


class TurnsBusy(Exception):
    """Every turn slot is taken and the line is full."""

    def __init__(self, waiting: int, retry_after: int) -> None:
        super().__init__(f"{waiting} chat turns waiting")
        self.waiting = waiting
        self.retry_after = retry_after


class TurnGate:
    """Turn slots of one worker (see the module). Not thread-safe: used from the event loop."""

    def __init__(
        self,
        max_active: int,
        max_waiting: int,
        on_change: Callable[[int, int], None] | None = None,
    ) -> None:
        if max_active < 1 or max_waiting < 0:
            raise ValueError("a turn gate needs max_active >= 1 and max_waiting >= 0")
        self.max_active = max_active
        self.max_waiting = max_waiting
        self._active = 0
        self._line: deque[asyncio.Future[None]] = deque()
        self._mean_seconds = INITIAL_TURN_SECONDS
        self._on_change = on_change or (lambda active, waiting: None)

    @property
    def active(self) -> int:
        return self._active

    @property
    def waiting(self) -> int:
        return len(self._line)

    def check(self) -> None:
        """Raise TurnsBusy when a turn asked for now would find the line full."""
        if self._active >= self.max_active and len(self._line) >= self.max_waiting:
            raise TurnsBusy(len(self._line), self.retry_after())

    def retry_after(self) -> int:
        """Whole seconds until a slot is likely free for a turn asked for now."""
        rounds = len(self._line) / self.max_active + 1
        return max(1, min(MAX_RETRY_AFTER_SECONDS, math.ceil(rounds * self._mean_seconds)))

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a turn slot for the body, waiting in line for one first."""
        if self._active < self.max_active and not self._line:
            self._active += 1
        else:
            ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._line.append(ticket)
            self._on_change(self._active, len(self._line))
            try:
                await ticket  # the slot is handed over by the turn that frees it
            except asyncio.CancelledError:
                if ticket.done() and not ticket.cancelled():
                    self._release()  # handed over as the shopper left: pass it on
                elif ticket in self._line:  # a slot freed meanwhile may have skipped it
                    self._line.remove(ticket)
                    self._on_change(self._active, len(self._line))
                raise
        self._on_change(self._active, len(self._line))
        started = time.perf_counter()
        try:
            yield
        finally:
            self._mean_seconds += SMOOTHING * (time.perf_counter() - started - self._mean_seconds)
            self._release()

    def _release(self) -> None:
        """Free a slot: hand it to the first in line, if anyone waits."""
        while self._line:
            ticket = self._line.popleft()
            if not ticket.done():
                ticket.set_result(None)  # the slot passes on; the count stays
                self._on_change(self._active, len(self._line))
                return
        self._active -= 1
        self._on_change(self._active, len(self._line))
