"""Prometheus metrics of the service."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
RATE_LIMIT_ERRORS = Counter(
    "kefu_rate_limit_errors",
    "Requests let through unchecked because the rate limits' store (Redis) failed",
    registry=REGISTRY,
)
SESSION_LOCK_FALLBACKS = Counter(
    "kefu_session_lock_fallbacks",
    "Chat turns kept apart by a lock in their worker only, because Redis failed",
    registry=REGISTRY,
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

TICKETS = Gauge(
    "kefu_tickets",
    "Tickets by status and priority (counted in the database at each scrape)",
    ["status", "priority"],
    registry=REGISTRY,
)
TICKETS_OVERDUE = Gauge(
    "kefu_tickets_overdue",
    "Open or pending tickets past an SLA deadline, by clock (first_response, resolution)",
    ["clock"],
    registry=REGISTRY,
)
LLM_WAITING = Gauge(
    "kefu_llm_waiting_requests",
    "Generations started on a model instance and not yet streaming: reading their prompt "
    "(or queued inside an LLM server); those in Kefu's own queue are kefu_llm_queued_requests",
    registry=REGISTRY,
)
LLM_GENERATING = Gauge(
    "kefu_llm_generating_requests", "Generations streaming tokens in this worker", registry=REGISTRY
)
LLM_TOKENS = Counter(
    "kefu_llm_generated_tokens", "Tokens the LLM streamed (pieces of text)", registry=REGISTRY
)
LLM_GENERATION_SECONDS = Counter(
    "kefu_llm_generation_seconds",
    "Time from a generation's first token to its last: tokens/s is "
    "rate(kefu_llm_generated_tokens_total) / rate(kefu_llm_generation_seconds_total)",
    registry=REGISTRY,
)
LLM_TOKENS_PER_SECOND = Histogram(
    "kefu_llm_tokens_per_second",
    "Streaming speed of each generation of more than one token",
    buckets=(2, 5, 10, 15, 20, 25, 30, 40, 60, 100),
    registry=REGISTRY,
)
LLM_QUEUED = Gauge(
    "kefu_llm_queued_requests",
    "Generations waiting in this worker's LLM queue for a model instance",
    registry=REGISTRY,
)
LLM_QUEUE_SECONDS = Histogram(
    "kefu_llm_queue_wait_seconds",
    "Time a generation waited in the LLM queue before an instance started it",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40),
    registry=REGISTRY,
)
LLM_REFUSED = Counter(
    "kefu_llm_refused",
    "Generations refused because the LLM queue was full (the turn went on without the model)",
    registry=REGISTRY,
)
TURNS_ACTIVE = Gauge(
    "kefu_chat_turns_active", "Chat turns running in this worker", registry=REGISTRY
)
TURNS_WAITING = Gauge(
    "kefu_chat_turns_waiting",
    "Chat turns admitted and waiting for one of this worker's turn slots",
    registry=REGISTRY,
)
TURNS_REFUSED = Counter(
    "kefu_chat_turns_refused",
    "Chat turns refused with 429 because this worker's line of waiting turns was full",
    registry=REGISTRY,
)
