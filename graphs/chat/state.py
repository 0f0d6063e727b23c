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
    escalation: str | None
    offered_handoff: bool
    # What the session has told us and may need again: {"order_id": "LM20261002"}.
    slots: dict[str, str]
    # Order numbers given in this very message; the slot the assistant is waiting for.
    turn_order_ids: list[str]
    awaiting: str | None
    ticket: dict[str, Any] | None
    tool_calls: list[dict[str, Any]]
    passages: list[dict[str, Any]]
    # The sentences of each passage that bear on the question, and whether they answer it.
    evidence: list[str]
    grounding: dict[str, Any]
    answer: str
    handoff: bool
    prompt_version: str
