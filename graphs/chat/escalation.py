"""When a person must take over: the deterministic part of the hand-over policy."""

from typing import Literal

from graphs.chat.state import ChatState

EscalationReason = Literal["asked_for_person", "complaint", "repeated_misses"]

MIN_CONFIDENCE = 0.5
MISSES_BEFORE_ESCALATION = 2
_BY_INTENT: dict[str, EscalationReason] = {
    "contact_human_agent": "asked_for_person",
    "complaint": "complaint",
}


def escalation_reason(state: ChatState) -> EscalationReason | None:
    """A person takes over when asked for, on a complaint, or after two unanswered turns."""
    intent = state.get("intent") or {}
    reason = _BY_INTENT.get(str(intent.get("label")))
    if reason and float(intent.get("confidence", 0.0)) >= MIN_CONFIDENCE:
        return reason
    if state.get("misses", 0) >= MISSES_BEFORE_ESCALATION:
        return "repeated_misses"
    return None


PRIORITY: dict[EscalationReason, str] = {
    "asked_for_person": "normal",
    "complaint": "high",
    "repeated_misses": "normal",
}
