"""The model writes a tool's arguments; the tool's schema decides what it may write.

Decoding is constrained to the schema (llama.cpp turns it into a grammar; an OpenAI-compatible
server gets it as `response_format`), and the result is validated with pydantic all the same.
Should it still fail (a remote server that ignores the schema, a reply cut off by the token
limit), the policy's own arguments are used, so a hand-over never fails for want of a summary.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from models.language import Language
from models.llm import ChatMessage, ChatModel, GenerationOptions, LLMError, acomplete
from prompts import load_prompt

logger = logging.getLogger(__name__)

# Enough for the longest summary the schema allows (160 characters, about one token each in
# Chinese) and the JSON around it, so the grammar can always close the string.
ARGUMENT_TOKENS = 256
ARGUMENT_REPEAT_PENALTY = 1.15
TRANSCRIPT_MESSAGES = 6
TRANSCRIPT_CHARS_PER_MESSAGE = 400


@dataclass(frozen=True)
class FilledArguments:
    values: dict[str, Any]
    from_model: bool  # False: the model's reply did not validate and the fallback was used
    seconds: float


def argument_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema the decoder is held to, without titles and descriptions (they only
    lengthen the grammar; the prompt explains the fields)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("title", "description")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(schema.model_json_schema())  # type: ignore[no-any-return]


def _fields(schema: type[BaseModel]) -> str:
    """One short line per argument (the grammar holds the exact types)."""
    lines = []
    for name, field in schema.model_fields.items():
        choices = argument_schema(schema)["properties"][name].get("enum")
        choice_text = f" ({' | '.join(choices)})" if choices else ""
        lines.append(f"- {name}: {field.description or ''}{choice_text}")
    return "\n".join(lines)


def transcript(messages: list[AnyMessage], lang: Language) -> str:
    """The last messages of the (already redacted) conversation, labelled by speaker."""
    shopper, assistant = ("顾客", "客服助手") if lang == "zh" else ("Customer", "Assistant")
    lines = []
    for message in messages[-TRANSCRIPT_MESSAGES:]:
        who = shopper if isinstance(message, HumanMessage) else assistant
        text = str(message.content).replace("\n", " ")[:TRANSCRIPT_CHARS_PER_MESSAGE]
        lines.append(f"{who}: {text}")
    return "\n".join(lines)


def argument_prompt(
    *,
    tool: str,
    description: str,
    schema: type[BaseModel],
    conversation: str,
    reason: str,
    lang: Language,
) -> list[ChatMessage]:
    system = load_prompt("tool_call_system", lang)
    user = load_prompt("tool_call_user", lang)
    return [
        ChatMessage("system", system.text),
        ChatMessage(
            "user",
            user.render(
                transcript=conversation,
                reason=reason,
                tool=tool,
                description=description,
                fields=_fields(schema),
            ),
        ),
    ]


async def fill_arguments(
    llm: ChatModel,
    schema: type[BaseModel],
    messages: list[ChatMessage],
    fallback: dict[str, Any],
    *,
    max_tokens: int = ARGUMENT_TOKENS,
    session: str = "",
) -> FilledArguments:
    """The model's arguments when they validate, else the fallback (validated too): with the
    model down or too busy as well, so a hand-over never waits on the LLM."""
    options = GenerationOptions(
        max_tokens=max_tokens,
        temperature=0.0,
        json_schema=argument_schema(schema),
        repeat_penalty=ARGUMENT_REPEAT_PENALTY,
    )
    started = time.perf_counter()
    try:
        raw = await acomplete(llm, messages, options, key=session)
        values = schema.model_validate_json(raw).model_dump()
        return FilledArguments(values, from_model=True, seconds=time.perf_counter() - started)
    except LLMError as exc:
        logger.warning("tool arguments from the policy, the LLM failed: %s", exc)
    except ValidationError:
        pass
    values = schema.model_validate(fallback).model_dump()
    return FilledArguments(values, from_model=False, seconds=time.perf_counter() - started)
