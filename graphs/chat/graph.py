"""Wiring of the chat graph.

redact_input -> classify_intent -> retrieve -> generate -> redact_output
"""

from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs.chat.context import TurnContext
from graphs.chat.nodes import classify_intent, generate, redact_input, redact_output, retrieve
from graphs.chat.state import ChatState


def build_chat_graph(checkpointer: Any = None) -> Any:
    builder = StateGraph(ChatState, context_schema=TurnContext)
    builder.add_node("redact_input", redact_input)
    builder.add_node("classify_intent", classify_intent)
    builder.add_node("retrieve", retrieve)
    builder.add_node("generate", generate)
    builder.add_node("redact_output", redact_output)
    builder.add_edge(START, "redact_input")
    builder.add_edge("redact_input", "classify_intent")
    builder.add_edge("classify_intent", "retrieve")
    builder.add_edge("retrieve", "generate")
    builder.add_edge("generate", "redact_output")
    builder.add_edge("redact_output", END)
    return builder.compile(checkpointer=checkpointer, name="kefu-chat")
