"""The LLM queue: bounded, fair across sessions, several instances at once, cancellable; and
the real model behind it."""

import asyncio
import threading
from collections.abc import Callable, Iterator, Sequence

import pytest

from models.llm import (
    ChatMessage,
    ChatModel,
    GenerationOptions,
    LLMBusy,
    LLMError,
    acomplete,
    astream,
    create_chat_models,
    estimate_tokens,
)
from models.scheduler import GenerationRecord, LLMScheduler

OPTIONS = GenerationOptions(max_tokens=16)


class GatedModel:
    """Answers each prompt with its own text once the test opens the gate; records the order
    in which prompts were started and how many ran at once."""

    name = "gated"

    def __init__(self, log: list[str], gate: threading.Event | None = None) -> None:
        self.log = log
        self.gate = gate or threading.Event()
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def stream(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, cancel: threading.Event
    ) -> Iterator[str]:
        with self._lock:
            self.log.append(messages[-1].content)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.gate.wait(10)
            yield messages[-1].content
        finally:
            with self._lock:
                self.running -= 1

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)


class Recorder:
    def __init__(self) -> None:
        self.records: list[GenerationRecord] = []
        self.refusals = 0
        self.waits: list[float] = []

    def refused(self, waiting: int) -> None:
        self.refusals += 1

    def started(self, queued_seconds: float) -> None:
        self.waits.append(queued_seconds)

    def finished(self, record: GenerationRecord) -> None:
        self.records.append(record)


def ask(text: str) -> list[ChatMessage]:
    return [ChatMessage("user", text)]


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition that the scheduler's threads make true (no event to await)."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_sessions_take_turns_in_the_queue() -> None:
    log: list[str] = []
    model = GatedModel(log)
    scheduler = LLMScheduler([model], max_waiting=10)
    try:
        first = asyncio.create_task(acomplete(scheduler, ask("a1"), OPTIONS, key="a"))
        await until(lambda: log == ["a1"])  # a1 holds the only instance
        later = [
            asyncio.create_task(acomplete(scheduler, ask(text), OPTIONS, key=text[0]))
            for text in ("a2", "a3", "a4", "b1", "c1")
        ]
        await until(lambda: scheduler.waiting == 5)
        model.gate.set()
        assert await first == "a1"
        assert [await task for task in later] == ["a2", "a3", "a4", "b1", "c1"]
        # One of each session's in every round: b and c do not wait behind all of a's.
        assert log == ["a1", "a2", "b1", "c1", "a3", "a4"]
    finally:
        scheduler.close()


async def test_a_full_queue_refuses_at_once_with_a_time_to_come_back() -> None:
    log: list[str] = []
    recorder = Recorder()
    model = GatedModel(log)
    scheduler = LLMScheduler([model], max_waiting=1, observer=recorder)
    try:
        running = asyncio.create_task(acomplete(scheduler, ask("one"), OPTIONS, key="s1"))
        await until(lambda: log == ["one"])
        waiting = asyncio.create_task(acomplete(scheduler, ask("two"), OPTIONS, key="s2"))
        await until(lambda: scheduler.waiting == 1)
        with pytest.raises(LLMBusy) as refused:
            await acomplete(scheduler, ask("three"), OPTIONS, key="s3")
        assert isinstance(refused.value, LLMError)  # callers that do without the model catch it
        assert refused.value.waiting == 1 and refused.value.retry_after > 0
        assert recorder.refusals == 1
        model.gate.set()
        assert (await running, await waiting) == ("one", "two")
        assert log == ["one", "two"]  # "three" never reached the model
        assert [r.outcome for r in recorder.records] == ["done", "done"]
        assert len(recorder.waits) == 2 and recorder.waits[1] > 0
    finally:
        scheduler.close()


async def test_a_generation_that_would_wait_too_long_is_refused_though_the_line_has_room() -> None:
    log: list[str] = []
    recorder = Recorder()
    model = GatedModel(log)
    # A generation is first guessed to take 2 s: behind one running (half done) a second
    # would start in about 1 s, a third in about 3 s.
    scheduler = LLMScheduler([model], max_waiting=10, max_wait_seconds=2.0, observer=recorder)
    try:
        running = asyncio.create_task(acomplete(scheduler, ask("one"), OPTIONS, key="s1"))
        await until(lambda: log == ["one"])
        waiting = asyncio.create_task(acomplete(scheduler, ask("two"), OPTIONS, key="s2"))
        await until(lambda: scheduler.waiting == 1)
        with pytest.raises(LLMBusy) as refused:
            await acomplete(scheduler, ask("three"), OPTIONS, key="s3")
        assert refused.value.retry_after > 2.0 and recorder.refusals == 1
        model.gate.set()
        assert (await running, await waiting) == ("one", "two")
    finally:
        scheduler.close()


async def test_a_generation_whose_caller_left_while_it_waited_never_runs() -> None:
    log: list[str] = []
    recorder = Recorder()
    model = GatedModel(log)
    scheduler = LLMScheduler([model], max_waiting=5, observer=recorder)
    try:
        running = asyncio.create_task(acomplete(scheduler, ask("first"), OPTIONS, key="a"))
        await until(lambda: log == ["first"])
        gone = asyncio.create_task(acomplete(scheduler, ask("gone"), OPTIONS, key="b"))
        await until(lambda: scheduler.waiting == 1)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        model.gate.set()
        assert await running == "first"
        assert await acomplete(scheduler, ask("next"), OPTIONS, key="c") == "next"
        assert log == ["first", "next"]
        assert [r.outcome for r in recorder.records] == ["done", "cancelled", "done"]
    finally:
        scheduler.close()


async def test_instances_serve_generations_at_the_same_time() -> None:
    log: list[str] = []
    gate = threading.Event()
    instances = [GatedModel(log, gate), GatedModel(log, gate)]
    scheduler = LLMScheduler(instances, max_waiting=0)  # instances free: nothing waits
    try:
        tasks = [
            asyncio.create_task(acomplete(scheduler, ask(text), OPTIONS, key=text))
            for text in ("x", "y")
        ]
        await until(lambda: sorted(log) == ["x", "y"])  # both started before either ended
        gate.set()
        assert sorted([await task for task in tasks]) == ["x", "y"]
        assert scheduler.waiting == 0 and scheduler.running == 0
    finally:
        scheduler.close()


def test_the_blocking_stream_serves_callers_outside_an_event_loop() -> None:
    log: list[str] = []
    model = GatedModel(log, threading.Event())
    model.gate.set()
    scheduler = LLMScheduler([model], max_waiting=2)
    try:
        assert list(scheduler.stream(ask("hello"), OPTIONS, threading.Event())) == ["hello"]
    finally:
        scheduler.close()


@pytest.mark.llm
async def test_two_instances_of_the_bundled_model_answer_two_sessions_at_once(
    llm: ChatModel,
) -> None:
    """Two llama.cpp instances of the real model (the weights mapped once), one thread each,
    stream two answers at the same time, both right."""
    from models.bundled import DEFAULT_LLM

    second = create_chat_models(
        f"llamacpp:{DEFAULT_LLM.path}",
        parallel=1,
        model_name="test",
        context_tokens=1024,
        threads=1,
        timeout=30,
    )
    recorder = Recorder()
    scheduler = LLMScheduler([llm, *second], max_waiting=4, observer=recorder)
    system = ChatMessage("system", "Reply with the numbers only, separated by commas.")
    options = GenerationOptions(max_tokens=48, temperature=0.0)
    loop = asyncio.get_running_loop()
    try:

        async def count(first: int, key: str) -> tuple[str, float, float]:
            text, began = "", 0.0
            question = f"Count from {first} to {first + 9}."
            async for piece in astream(
                scheduler, [system, ChatMessage("user", question)], options, key=key
            ):
                began = began or loop.time()
                text += piece
            return text, began, loop.time()

        (low, low_began, low_ended), (high, high_began, high_ended) = await asyncio.gather(
            count(1, "s1"), count(11, "s2")
        )
        assert "4,5,6" in low.replace(" ", "") and "15,16,17" in high.replace(" ", "")
        assert max(low_began, high_began) < min(low_ended, high_ended)  # they overlapped
        assert sorted(r.instance for r in recorder.records) == [0, 1]
    finally:
        scheduler.close()
        second[0].close()  # type: ignore[attr-defined]
