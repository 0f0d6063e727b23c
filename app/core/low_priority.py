"""Work that can wait for the shoppers, run on a thread of its own at a lower CPU priority, so
the chat's turns and the LLM's threads get the cores first.

- ``run_low_priority`` (a document's ingestion, which a member of staff waits for): nice 10,
  about a tenth of a busy core.
- ``run_when_idle`` (a period's reports, made on a schedule): Linux's SCHED_IDLE, only what
  nothing else wants. The LLM's threads meet at a barrier per layer, so even a small share of
  a core taken from one of them slows every token: a report made at nice 10 during a chat still
  cost a third of the generation speed (bench.service_vs_raw).

On Linux a thread's priority is its own, so the rest of the process stays as it was.
Elsewhere the work runs at the usual priority.
"""

import asyncio
import contextlib
import contextvars
import logging
import os
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

logger = logging.getLogger("kefu")

LOW_PRIORITY_NICENESS = 10

P = ParamSpec("P")
T = TypeVar("T")


def lower_this_thread(niceness: int = LOW_PRIORITY_NICENESS) -> None:
    """Lower the calling thread's CPU priority by ``niceness`` (never raise it)."""
    try:
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(current + niceness, 19))
    except (AttributeError, OSError) as error:  # not Linux, or not allowed
        logger.debug("thread priority left as it was: %s", error)


def idle_this_thread() -> None:
    """Let the calling thread run only on cores nothing else wants (SCHED_IDLE)."""
    try:
        os.sched_setscheduler(threading.get_native_id(), os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError) as error:
        logger.debug("thread scheduling left as it was: %s", error)
        lower_this_thread(19)


async def run_low_priority(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)`` on a new thread at nice 10, awaited. If the caller is
    cancelled the work still runs to its end (as with ``asyncio.to_thread``)."""
    return await _on_own_thread(lower_this_thread, function, *args, **kwargs)


async def run_when_idle(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)`` on a new thread that runs only when the cores are free."""
    return await _on_own_thread(idle_this_thread, function, *args, **kwargs)


async def _on_own_thread(
    lower: Callable[[], None], function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the caller was cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        lower()
        try:
            result = context.run(function, *args, **kwargs)
        except BaseException as error:  # handed to the awaiting task
            outcome: tuple[T | None, BaseException | None] = (None, error)
        else:
            outcome = (result, None)
        # The loop has closed meanwhile (the app stopped): nobody waits for the outcome.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=work, name="kefu-low-priority", daemon=True).start()
    return await future
