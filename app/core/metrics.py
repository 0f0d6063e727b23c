"""Prometheus metrics of the service."""

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

CHAT_TURNS = Counter("kefu_chat_turns", "Chat turns by outcome", ["outcome"], registry=REGISTRY)
FIRST_TOKEN_SECONDS = Histogram(
    "kefu_chat_first_token_seconds",
    "Time from request to the first streamed token",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20),
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "kefu_chat_turn_seconds",
    "Time of a whole chat turn",
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 20, 40),
    registry=REGISTRY,
)
DOCUMENTS_INGESTED = Counter(
    "kefu_documents_ingested", "Documents ingested by status", ["status"], registry=REGISTRY
)
TOOL_CALLS = Counter(
    "kefu_tool_calls",
    "Tool calls of chat turns by tool and outcome",
    ["tool", "outcome"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "kefu_rate_limited", "Requests refused by a rate limit, by scope", ["scope"], registry=REGISTRY
)
HTTP_SECONDS = Histogram(
    "kefu_http_request_seconds",
    "HTTP request latency by method, route and status class",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
HTTP_ERRORS = Counter(
    "kefu_http_server_errors", "Responses with a 5xx status, by route", ["route"], registry=REGISTRY
)
