"""Where a turn goes next."""

from typing import Literal

from graphs.chat.nodes import wants_order_status
from graphs.chat.state import ChatState


def after_intent(
    state: ChatState,
) -> Literal["escalate", "order_status", "small_talk", "retrieve"]:
    if state.get("escalation"):
        return "escalate"
    if wants_order_status(state):
        return "order_status"
    return "small_talk" if state.get("small_talk") else "retrieve"


def after_retrieve(state: ChatState) -> Literal["escalate", "clarify", "generate"]:
    if state.get("escalation"):
        return "escalate"
    return "clarify" if state.get("needs_clarification") else "generate"
