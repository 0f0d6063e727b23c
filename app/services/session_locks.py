"""One chat turn at a time per session, so its turns never interleave in the checkpoints: a
lock per session in this process, or in Redis when several workers serve the same sessions."""

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from app.core.metrics import SESSION_LOCK_FALLBACKS

logger = logging.getLogger(__name__)
REDIS_TIMEOUT_SECONDS = 2.0  # a Redis that drops packets must not hang turns or readiness


class SessionLocks(Protocol):
    def hold(self, session_id: str) -> AbstractAsyncContextManager[None]: ...

    async def close(self) -> None: ...


class LocalSessionLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        async with lock:
            yield

    async def close(self) -> None:
        return None


class RedisSessionLocks:
    """A Redis lock per session; it expires after ``hold_seconds`` should its worker die."""

    def __init__(self, url: str, prefix: str = "kefu:", hold_seconds: float = 300) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        self._prefix = f"{prefix}session-lock:"
        self._hold = hold_seconds
        # Should Redis be away, turns are still kept apart within this worker.
        self._fallback = LocalSessionLocks()

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        from redis.exceptions import RedisError

        lock = self._redis.lock(
            self._prefix + session_id,
            timeout=self._hold,
            sleep=0.05,
            blocking_timeout=self._hold,
        )
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            SESSION_LOCK_FALLBACKS.inc()
            logger.warning("session lock in this worker only, Redis failed: %s", exc)
            async with self._fallback.hold(session_id):
                yield
            return
        if not acquired:
            raise TimeoutError(f"session {session_id} stayed busy for {self._hold} s")
        try:
            yield
        finally:
            try:
                await lock.release()
            except RedisError as exc:  # it expires by itself after hold_seconds
                logger.warning("session lock not released, Redis failed: %s", exc)

    async def close(self) -> None:
        await self._redis.aclose()


def create_session_locks(redis_url: str, prefix: str = "kefu:") -> SessionLocks:
    return RedisSessionLocks(redis_url, prefix) if redis_url else LocalSessionLocks()
