"""Where a turn goes next."""

from typing import Literal

from graphs.chat.escalation import escalation_reason
from graphs.chat.state import ChatState


def after_intent(state: ChatState) -> Literal["escalate", "small_talk", "retrieve"]:
    if escalation_reason(state):
        return "escalate"
    return "small_talk" if state.get("small_talk") else "retrieve"


def after_retrieve(state: ChatState) -> Literal["clarify", "generate"]:
    return "clarify" if state.get("needs_clarification") else "generate"
