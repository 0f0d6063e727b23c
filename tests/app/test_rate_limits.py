"""Rate limits by the generic cell rate algorithm, in memory and in a real Redis shared by two
real workers."""

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from app.api.deps import enforce_rate
from app.core.metrics import REGISTRY
from app.core.ratelimit import MemoryRateLimiter, Rate, RedisRateLimiter, retry_after
from tests.live import KEFU, live_server, server_env

REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [("20/minute", 20, 60), ("5/10 seconds", 5, 10), ("1000/hour", 1000, 3600), ("off", 0, 1)],
)
def test_rates_are_read_from_settings(text: str, count: int, seconds: float) -> None:
    assert Rate.parse(text) == Rate(count, seconds)


@pytest.mark.parametrize("text", ["20 per minute", "minute/20", "-1/minute", "5/fortnight"])
def test_a_misspelt_rate_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a rate"):
        Rate.parse(text)


async def test_a_burst_then_one_per_interval() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock)
    rate = Rate.parse("3/minute")  # a burst of 3, then one every 20 s
    assert [await limiter.wait_time("ip:a", rate) for _ in range(3)] == [0, 0, 0]
    assert await limiter.wait_time("ip:a", rate) == pytest.approx(20)
    assert await limiter.wait_time("ip:b", rate) == 0  # another key has its own bucket
    clock.now += 19
    assert await limiter.wait_time("ip:a", rate) == pytest.approx(1)
    clock.now += 1
    assert await limiter.wait_time("ip:a", rate) == 0
    assert await limiter.wait_time("ip:a", rate) == pytest.approx(20)
    assert await limiter.wait_time("ip:a", Rate.parse("off")) == 0
    assert retry_after(0.2) == "1" and retry_after(19.01) == "20"


async def test_idle_buckets_are_forgotten_when_the_table_is_full() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock, max_keys=10)
    rate = Rate.parse("1/second")
    for i in range(10):
        await limiter.wait_time(f"k{i}", rate)
    clock.now += 5
    await limiter.wait_time("new", rate)
    assert len(limiter._empty_at) == 1


@pytest.fixture
async def redis_limiter() -> AsyncIterator[RedisRateLimiter]:
    limiter = RedisRateLimiter(REDIS_URL, prefix=f"kefu-test:{uuid.uuid4().hex}:")
    if not await limiter.ping():
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield limiter
    await limiter.close()


async def test_redis_keeps_the_same_rate(redis_limiter: RedisRateLimiter) -> None:
    rate = Rate.parse("3/minute")
    waits = [await redis_limiter.wait_time("ip:a", rate) for _ in range(4)]
    assert waits[:3] == [0, 0, 0] and 19 < waits[3] <= 20
    assert await redis_limiter.wait_time("ip:b", rate) == 0


async def _redis_answers() -> bool:
    probe = RedisRateLimiter(REDIS_URL)
    try:
        return await probe.ping()
    finally:
        await probe.close()


def test_two_workers_share_their_limits_through_redis(tmp_path: Path) -> None:
    """Two `kefu serve` processes with one Redis: the limit holds across them, with 429 and
    Retry-After; the API keys' limit likewise."""
    if not asyncio.run(_redis_answers()):
        pytest.skip("no Redis at 127.0.0.1:6379")
    namespace = uuid.uuid4().hex  # the limits are per IP: keep other runs' counts apart
    settings = {
        "redis_url": REDIS_URL,
        "redis_prefix": f"kefu-test:{namespace}:",
        "rate_limit_ip": "4/minute",
        "rate_limit_key": "3/minute",
        "bootstrap_admin_key": f"admin-{namespace}",
        "llm": "openai-compatible:http://127.0.0.1:9/v1",  # no model needed for these calls
    }
    with ExitStack() as stack:
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
        bases = [
            stack.enter_context(live_server(server_env(tmp_path / name, **settings)))
            for name in ("one", "two")
        ]
        statuses = []
        for i in range(6):  # alternate between the workers
            response = httpx.get(f"{bases[i % 2]}/v1/sessions/{namespace}/messages")
            statuses.append(response.status_code)
        assert statuses[:4] == [404] * 4 and statuses[4:] == [429, 429]
        refused = httpx.get(f"{bases[0]}/v1/sessions/{namespace}/messages")
        assert 1 <= int(refused.headers["Retry-After"]) <= 15
        assert refused.json()["error"]["code"] == "rate_limited"
        chinese = httpx.get(
            f"{bases[1]}/v1/sessions/{namespace}/messages", headers={"Accept-Language": "zh-CN"}
        )
        assert "秒后再试" in chinese.json()["error"]["message"]

        headers = {"Authorization": f"Bearer admin-{namespace}"}
        keyed = [httpx.get(f"{bases[i % 2]}/v1/me", headers=headers).status_code for i in range(4)]
        assert keyed == [200, 200, 200, 429]
        metrics = httpx.get(f"{bases[0]}/metrics").text
        assert 'kefu_rate_limited_total{scope="ip"}' in metrics


async def test_with_redis_away_requests_go_through_and_are_counted() -> None:
    """The limits' store failing must not turn every shopper request into a 500."""
    away = RedisRateLimiter("redis://127.0.0.1:9/0")  # nothing listens there
    holder = SimpleNamespace(rate_limiter=away)
    before = REGISTRY.get_sample_value("kefu_rate_limit_errors_total") or 0
    try:
        await enforce_rate(holder, "ip", "203.0.113.7", "1/minute")  # type: ignore[arg-type]
        await enforce_rate(holder, "ip", "203.0.113.7", "1/minute")  # type: ignore[arg-type]
        assert not await away.ping()
    finally:
        await away.close()
    assert REGISTRY.get_sample_value("kefu_rate_limit_errors_total") == before + 2


def test_client_ips_come_from_trusted_proxies_only(tmp_path: Path, chroma_server: str) -> None:
    """Behind a trusted proxy each shopper's X-Forwarded-For address has its own limit; from
    an untrusted peer the header is ignored. Two workers of one `kefu serve --workers 2`
    share the counts through Redis."""
    if not asyncio.run(_redis_answers()):
        pytest.skip("no Redis at 127.0.0.1:6379")
    common = {
        "redis_url": REDIS_URL,
        "rate_limit_ip": "2/minute",
        "llm": "openai-compatible:http://127.0.0.1:9/v1",  # no model needed for these calls
    }

    def statuses(base: str, forwarded_for: str, count: int) -> list[int]:
        url = f"{base}/v1/sessions/{uuid.uuid4().hex}/messages"
        headers = {"X-Forwarded-For": forwarded_for}
        return [httpx.get(url, headers=headers).status_code for _ in range(count)]

    for name in ("trusted", "untrusted"):
        (tmp_path / name).mkdir()
    trusted = server_env(
        tmp_path / "trusted", redis_prefix=f"kefu-test:{uuid.uuid4().hex}:", chroma=chroma_server
    )
    with live_server({**trusted, **_kefu(common)}, "--workers", "2") as base:
        assert statuses(base, "203.0.113.1", 3) == [404, 404, 429]
        assert statuses(base, "198.51.100.7, 203.0.113.1", 1) == [429]  # the proxy's own entry
        assert statuses(base, "203.0.113.2", 2) == [404, 404]  # another shopper
    untrusted = server_env(
        tmp_path / "untrusted", redis_prefix=f"kefu-test:{uuid.uuid4().hex}:", trusted_proxies=""
    )
    with live_server({**untrusted, **_kefu(common)}) as base:
        assert statuses(base, "203.0.113.1", 2) == [404, 404]
        assert statuses(base, "203.0.113.2", 1) == [429]  # one peer, one limit, whatever it says


def _kefu(settings: dict[str, str]) -> dict[str, str]:
    return {f"KEFU_{name.upper()}": value for name, value in settings.items()}


def test_several_workers_need_a_chroma_server(tmp_path: Path) -> None:
    refused = subprocess.run(
        [KEFU, "serve", "--workers", "2"],
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "KEFU_CHROMA" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [("rate_limit_ip", "lots", "rate_limit_ip"), ("vault_key", "not-a-key", "KEFU_VAULT_KEY")],
)
def test_a_bad_setting_is_said_plainly(tmp_path: Path, setting: str, value: str, said: str) -> None:
    refused = subprocess.run(
        [KEFU, "serve"],
        env=server_env(tmp_path, **{setting: value}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and said in refused.stderr
    assert "Traceback" not in refused.stderr
