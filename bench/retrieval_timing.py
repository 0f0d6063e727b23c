"""Where the time goes: exclusive timers around the calls a search or an ingest makes, and the
process's peak memory."""

import gc
import math
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Stopwatch:
    """Times calls by bucket. A timed call made inside another counts only for its own bucket
    (the outer one is charged the rest), so the buckets add up to the time spent in them."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._children: list[float] = []

    def wrap(self, owner: Any, name: str, bucket: str) -> None:
        """Replaces ``owner.name`` (an instance's method, a class's, a module's function) with
        a timed one."""
        original: Callable[..., Any] = getattr(owner, name)
        if isinstance(owner, type):  # a plain function on a class: keep it a method
            original = owner.__dict__[name]

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._children.append(0.0)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.seconds[bucket] += elapsed - self._children.pop()
                if self._children:
                    self._children[-1] += elapsed

        setattr(owner, name, timed)

    def take(self) -> dict[str, float]:
        """The seconds per bucket since the last take."""
        taken = dict(self.seconds)
        self.seconds.clear()
        return taken


class CollectorPauses:
    """Python's garbage collector's pauses, by generation, while it watches: a full (second
    generation) collection walks every tracked object of the process and stops whatever
    search is running."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def __enter__(self) -> "CollectorPauses":
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def full(self) -> list[float]:
        return [seconds for generation, seconds in self.pauses if generation == 2]


def peak_rss_mb() -> float:
    """This process's resident memory high-water mark (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of the values at or
    below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * share) - 1))]
