"""One turn at a time per session: in one worker, and across workers through a real Redis."""

import asyncio
import uuid

import pytest

from app.services.session_locks import LocalSessionLocks, RedisSessionLocks, SessionLocks

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _overlaps(first: SessionLocks, second: SessionLocks, a: str, b: str) -> bool:
    """Whether a turn under ``second`` for session ``b`` ran while one under ``first`` for
    session ``a`` held its lock."""
    events: list[str] = []

    async def turn(locks: SessionLocks, session: str, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with locks.hold(session):
            events.append(f"{name} in")
            await asyncio.sleep(0.3)
            events.append(f"{name} out")

    await asyncio.gather(turn(first, a, "one", 0), turn(second, b, "two", 0.05))
    return events[:2] == ["one in", "two in"]


async def test_a_session_waits_for_its_own_turn_only() -> None:
    locks = LocalSessionLocks()
    assert not await _overlaps(locks, locks, "s1", "s1")
    assert await _overlaps(locks, locks, "s1", "s2")


async def test_two_workers_take_turns_through_redis() -> None:
    prefix = f"kefu-test:{uuid.uuid4().hex}:"
    one, two = RedisSessionLocks(REDIS_URL, prefix), RedisSessionLocks(REDIS_URL, prefix)
    try:
        await one._redis.ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    try:
        assert not await _overlaps(one, two, "s1", "s1")  # the same session: one after another
        assert await _overlaps(one, two, "s1", "s2")  # other sessions: side by side
    finally:
        await one.close()
        await two.close()


async def test_a_lock_of_a_dead_worker_expires() -> None:
    prefix = f"kefu-test:{uuid.uuid4().hex}:"
    dead = RedisSessionLocks(REDIS_URL, prefix, hold_seconds=0.5)
    alive = RedisSessionLocks(REDIS_URL, prefix, hold_seconds=5)
    try:
        await dead._redis.ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    try:
        held = dead._redis.lock(f"{prefix}session-lock:s1", timeout=0.5)
        assert await held.acquire()  # the worker dies holding it: never released
        started = asyncio.get_running_loop().time()
        async with alive.hold("s1"):
            waited = asyncio.get_running_loop().time() - started
        assert 0.2 < waited < 2
    finally:
        await dead.close()
        await alive.close()
