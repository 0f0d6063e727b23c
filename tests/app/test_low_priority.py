import os
import threading
import time

import pytest

from app.core.low_priority import LOW_PRIORITY_NICENESS, run_low_priority, run_when_idle


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_the_work_runs_on_its_own_thread_at_a_lower_priority() -> None:
    before = _niceness()
    niceness = await run_low_priority(_niceness)
    assert niceness == min(before + LOW_PRIORITY_NICENESS, 19)
    assert _niceness() == before  # the caller's thread is as it was


async def test_the_work_gives_its_result_and_its_error() -> None:
    assert await run_low_priority(sum, [1, 2, 3]) == 6
    with pytest.raises(ZeroDivisionError):
        await run_low_priority(divmod, 1, 0)


async def test_idle_work_runs_only_on_free_cores() -> None:
    def policy() -> int:
        return os.sched_getscheduler(threading.get_native_id())

    assert await run_when_idle(policy) == os.SCHED_IDLE
    assert policy() == os.SCHED_OTHER


def test_work_that_ends_after_its_event_loop_closed_is_dropped_quietly() -> None:
    import asyncio

    finished = threading.Event()
    release = threading.Event()

    def slow() -> None:
        release.wait(5)
        finished.set()

    async def start_and_leave() -> None:
        task = asyncio.ensure_future(run_low_priority(slow))
        await asyncio.sleep(0.05)
        task.cancel()

    errors: list[BaseException] = []
    threading.excepthook = lambda args: errors.append(args.exc_value)  # type: ignore[assignment]
    try:
        asyncio.run(start_and_leave())  # closes its loop while the work still runs
        release.set()
        assert finished.wait(5)
        time.sleep(0.1)
    finally:
        threading.excepthook = threading.__excepthook__
    assert errors == []
