"""Saved system-prompt states of the in-process model: put back when another kind of prompt
came between, with the same answer as reading the prompt afresh."""

import threading
from collections.abc import Iterator

import pytest

from models.bundled import DEFAULT_LLM
from models.llm import ChatMessage, GenerationOptions, LlamaCppChatModel
from prompts import load_prompt

pytestmark = pytest.mark.llm

GREEDY = GenerationOptions(max_tokens=24, temperature=0.0)


def translation(text: str) -> list[ChatMessage]:
    system, user = load_prompt("translate_system", "zh"), load_prompt("translate_user", "zh")
    return [ChatMessage("system", system.text), ChatMessage("user", user.render(text=text))]


TICKET = [
    ChatMessage("system", load_prompt("tool_call_system", "en").text),
    ChatMessage("user", "Conversation:\nCustomer: I was charged twice for one order."),
]


def answer(model: LlamaCppChatModel, messages: list[ChatMessage]) -> str:
    return "".join(model.stream(messages, GREEDY, threading.Event()))


@pytest.fixture(scope="module")
def model() -> Iterator[LlamaCppChatModel]:
    loaded = LlamaCppChatModel(DEFAULT_LLM.path, context_tokens=1024, threads=2)
    yield loaded
    loaded.close()


def test_the_prompt_is_read_as_the_chat_completion_reads_it(model: LlamaCppChatModel) -> None:
    messages = translation("Returns are accepted within 30 days.")
    answer(model, messages)
    cache = model.prefixes
    assert cache.enabled  # the first generation checked the prompt's tokens
    asked = [{"role": m.role, "content": m.content} for m in messages]
    tokens = cache.prompt_tokens(asked)
    prefix = cache.system_prefix(asked)
    assert 0 < len(prefix) < len(tokens) and tokens[: len(prefix)] == prefix


def test_a_system_prompt_comes_back_after_another_kind_of_prompt(
    model: LlamaCppChatModel,
) -> None:
    text = "Express delivery costs ¥15 and arrives the next day."
    model.prefixes.enabled = False  # read as llama-cpp-python reads it by itself
    fresh = answer(model, translation(text))
    model.prefixes.enabled = True
    restored = model.prefixes.restored
    answer(model, TICKET)  # a ticket's system prompt replaces the translation's in the context
    assert answer(model, translation(text)) == fresh
    assert model.prefixes.restored == restored + 1
