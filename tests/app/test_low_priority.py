import os
import threading

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
