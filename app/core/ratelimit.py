"""Rate limits: so many requests per window for each client IP, chat session and API key.

The generic cell rate algorithm (GCRA): each key keeps one number, the time at which its bucket
is empty again, so a limit of 20/minute lets 20 through at once and then one every 3 seconds.
In memory for one worker; in Redis (``KEFU_REDIS_URL``) when several workers share the limits,
where one Lua script reads and writes the key atomically on the server's clock.
"""

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``; a count of 0 means no limit."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'20/minute', '5/10 seconds', '1000/hour'; 'off' or '0' for no limit."""
        if text.strip().lower() in ("", "0", "off", "none"):
            return cls(0, 1)
        match = _RATE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a rate such as '20/minute' or 'off'")
        count, multiple, unit = int(match[1]), int(match[2] or 1), match[3].lower()
        return cls(count, float(multiple * _UNIT_SECONDS[unit]))

    @property
    def unlimited(self) -> bool:
        return self.count == 0

    @property
    def interval(self) -> float:
        return self.seconds / self.count

    @property
    def burst(self) -> float:
        """How far ahead of now a bucket may be booked and still let a request in."""
        return self.seconds - self.interval


class RateLimiter(Protocol):
    async def wait_time(self, key: str, rate: Rate) -> float:
        """0 when a request under ``key`` may go ahead (and counts it); otherwise the seconds
        until one may."""
        ...

    async def ping(self) -> bool:
        """Whether the limits' store answers."""
        ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """The limits of one process."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self._clock = clock
        self._empty_at: dict[str, float] = {}
        self._max_keys = max_keys

    async def wait_time(self, key: str, rate: Rate) -> float:
        if rate.unlimited:
            return 0.0
        now = self._clock()
        empty_at = max(self._empty_at.get(key, now), now)
        if empty_at - now > rate.burst:
            return empty_at - now - rate.burst
        if len(self._empty_at) >= self._max_keys:
            self._forget_idle(now)
        self._empty_at[key] = empty_at + rate.interval
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, at in self._empty_at.items() if at <= now]:
            del self._empty_at[key]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


# KEYS[1]: the bucket; ARGV: interval and burst in microseconds. Returns the wait in
# microseconds (0: let through, and counted).
_GCRA = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local empty_at = tonumber(redis.call('GET', KEYS[1]) or now)
if empty_at < now then empty_at = now end
if empty_at - now > burst then return empty_at - now - burst end
local booked = empty_at + interval
redis.call('SET', KEYS[1], booked, 'PX', math.ceil((booked - now) / 1000))
return 0
"""


class RedisRateLimiter:
    """Limits shared by every worker that uses the same Redis."""

    def __init__(self, url: str, prefix: str = "kefu:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=2.0)
        self._script = self._redis.register_script(_GCRA)
        self._prefix = f"{prefix}ratelimit:"

    async def wait_time(self, key: str, rate: Rate) -> float:
        if rate.unlimited:
            return 0.0
        waited = await self._script(
            keys=[self._prefix + key],
            args=[math.ceil(rate.interval * 1e6), math.floor(rate.burst * 1e6)],
        )
        return int(waited) / 1e6

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(redis_url: str, prefix: str = "kefu:") -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()


def retry_after(seconds: float) -> str:
    """The Retry-After header: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
