"""Turn admission: a fixed number of turns run, a bounded line waits in order, the rest are
refused with a time to come back."""

import asyncio

import pytest

from app.services.admission import TurnGate, TurnsBusy


async def hold(gate: TurnGate, name: str, order: list[str], release: asyncio.Event) -> None:
    async with gate.slot():
        order.append(name)
        await release.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_turns_beyond_the_slots_wait_in_arrival_order() -> None:
    gate = TurnGate(max_active=2, max_waiting=5)
    order: list[str] = []
    releases = {name: asyncio.Event() for name in "abcde"}
    tasks = []
    for name in "abcde":
        gate.check()
        tasks.append(asyncio.create_task(hold(gate, name, order, releases[name])))
        await settle()
    assert order == ["a", "b"] and (gate.active, gate.waiting) == (2, 3)
    releases["b"].set()
    await settle()
    assert order == ["a", "b", "c"] and (gate.active, gate.waiting) == (2, 2)
    for name in "acde":
        releases[name].set()
    await asyncio.gather(*tasks)
    assert order == ["a", "b", "c", "d", "e"] and (gate.active, gate.waiting) == (0, 0)


async def test_a_full_line_refuses_with_a_time_to_come_back() -> None:
    gate = TurnGate(max_active=1, max_waiting=1)
    release = asyncio.Event()
    order: list[str] = []
    running = asyncio.create_task(hold(gate, "running", order, release))
    await settle()
    gate.check()  # the line has room for one
    waiting = asyncio.create_task(hold(gate, "waiting", order, release))
    await settle()
    with pytest.raises(TurnsBusy) as busy:
        gate.check()
    assert busy.value.waiting == 1 and 1 <= busy.value.retry_after <= 60
    release.set()
    await asyncio.gather(running, waiting)
    gate.check()  # room again


async def test_a_shopper_who_leaves_the_line_gives_up_their_place() -> None:
    gate = TurnGate(max_active=1, max_waiting=3)
    order: list[str] = []
    first, second, third = asyncio.Event(), asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(hold(gate, "first", order, first))
    await settle()
    leaving = asyncio.create_task(hold(gate, "leaves", order, second))
    staying = asyncio.create_task(hold(gate, "stays", order, third))
    await settle()
    assert gate.waiting == 2
    leaving.cancel()
    await settle()
    assert gate.waiting == 1
    first.set()
    third.set()
    await asyncio.gather(running, staying)
    assert leaving.cancelled() and order == ["first", "stays"]
    assert (gate.active, gate.waiting) == (0, 0)


async def test_a_turn_that_fails_frees_its_slot() -> None:
    gate = TurnGate(max_active=1, max_waiting=0)
    with pytest.raises(RuntimeError):
        async with gate.slot():
            raise RuntimeError("the turn failed")
    assert gate.active == 0
    gate.check()


async def test_the_gauges_follow_the_gate() -> None:
    seen: list[tuple[int, int]] = []
    gate = TurnGate(max_active=1, max_waiting=2, on_change=lambda a, w: seen.append((a, w)))
    release = asyncio.Event()
    order: list[str] = []
    tasks = [asyncio.create_task(hold(gate, n, order, release)) for n in ("x", "y")]
    await settle()
    release.set()
    await asyncio.gather(*tasks)
    assert seen[0] == (1, 0) and (1, 1) in seen and seen[-1] == (0, 0)
