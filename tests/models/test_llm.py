"""The bundled LLM, through the real llama.cpp provider."""

import asyncio
import threading
from collections.abc import Iterator, Sequence

import pytest

from models.assemble import sha256_of
from models.bundled import DEFAULT_LLM
from models.llm import (
    ChatMessage,
    ChatModel,
    GenerationOptions,
    astream,
    create_chat_model,
)


def test_assembled_model_matches_its_published_hash() -> None:
    assert DEFAULT_LLM.path.stat().st_size == DEFAULT_LLM.size
    assert sha256_of(DEFAULT_LLM.path) == DEFAULT_LLM.sha256


def test_model_answers_in_streamed_pieces(llm: ChatModel) -> None:
    messages = [
        ChatMessage("system", "You are a helpful assistant. Answer in one short sentence."),
        ChatMessage("user", "What is the capital of France?"),
    ]
    pieces = list(llm.stream(messages, GenerationOptions(max_tokens=24), threading.Event()))
    assert len(pieces) >= 2
    assert "paris" in "".join(pieces).lower()


def test_model_answers_in_chinese(llm: ChatModel) -> None:
    messages = [
        ChatMessage("system", "你是一个乐于助人的助手，请用简体中文简短回答。"),
        ChatMessage("user", "中国的首都是哪里？"),
    ]
    answer = "".join(llm.stream(messages, GenerationOptions(max_tokens=24), threading.Event()))
    assert "北京" in answer


class CountingModel:
    """Counts the pieces the real model produced, to see where generation stopped."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.produced = 0
        self.finished = threading.Event()

    def stream(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, cancel: threading.Event
    ) -> Iterator[str]:
        try:
            for piece in self.inner.stream(messages, options, cancel):
                self.produced += 1
                yield piece
        finally:
            self.finished.set()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


async def test_a_consumer_that_stops_listening_stops_generation(llm: ChatModel) -> None:
    counting = CountingModel(llm)
    messages = [ChatMessage("user", "Count from 1 to 200, one number per line.")]
    received = 0
    async for _piece in astream(counting, messages, GenerationOptions(max_tokens=400)):
        received += 1
        if received == 3:
            break
    finished = await asyncio.to_thread(counting.finished.wait, 10)
    assert finished
    assert counting.produced < 20  # far fewer than the 400 it was allowed


def test_unknown_provider_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"llamacpp:.*openai-compatible:"):
        create_chat_model("gpt:4", model_name="x", context_tokens=512, threads=1, timeout=1)


def test_missing_model_file_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(FileNotFoundError, match="LLM file not found"):
        create_chat_model(
            "llamacpp:/nonexistent/model.gguf",
            model_name="x",
            context_tokens=512,
            threads=1,
            timeout=1,
        )
