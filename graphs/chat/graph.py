"""Wiring of the chat graph.

redact_input -> classify_intent -> retrieve -> generate -> redact_output
                                 |-> small_talk   |-> clarify
                                 |-> order_status |-> escalate
                                 |-> escalate (a ticket for people, through a tool call)
"""

from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.chat.context import TurnContext
from graphs.chat.nodes import (
    clarify,
    classify_intent,
    escalate,
    generate,
    order_status,
    redact_input,
    redact_output,
    retrieve,
    small_talk,
)
from graphs.chat.routing import after_intent, after_retrieve
from graphs.chat.state import ChatState


def build_chat_graph(checkpointer: Any = None) -> Any:
    builder = StateGraph(ChatState, context_schema=TurnContext)
    builder.add_node("redact_input", redact_input)
    builder.add_node("classify_intent", classify_intent)
    builder.add_node("escalate", escalate)
    builder.add_node("small_talk", small_talk)
    builder.add_node("order_status", order_status)
    builder.add_node("retrieve", retrieve)
    builder.add_node("clarify", clarify)
    builder.add_node("generate", generate)
    builder.add_node("redact_output", redact_output)
    builder.add_edge(START, "redact_input")
    builder.add_edge("redact_input", "classify_intent")
    builder.add_conditional_edges("classify_intent", after_intent)
    builder.add_conditional_edges("retrieve", after_retrieve)
    builder.add_edge("escalate", "redact_output")
    builder.add_edge("small_talk", "redact_output")
    builder.add_edge("order_status", "redact_output")
    builder.add_edge("clarify", "redact_output")
    builder.add_edge("generate", "redact_output")
    builder.add_edge("redact_output", END)
    return builder.compile(checkpointer=checkpointer, name="kefu-chat")
