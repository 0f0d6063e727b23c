"""What the chat graph keeps per session (checkpointed) and what each turn is given."""

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class ChatState(TypedDict, total=False):
    """Checkpointed per session. Every text in it has passed redaction."""

    messages: Annotated[list[AnyMessage], add_messages]
    question: str
    query: str
    lang: str
    small_talk: str | None
    intent: dict[str, Any]
    intent_top: list[str]
    needs_clarification: bool
    clarified: bool
    misses: int
    ticket: dict[str, Any] | None
    passages: list[dict[str, Any]]
    answer: str
    handoff: bool
    prompt_version: str
