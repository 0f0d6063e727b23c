"""The one Settings object. Defaults run the embedded stack on one machine."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.ratelimit import Rate
from graphs.chat.context import DEFAULT_PII_POLICY
from graphs.chat.orders import DEFAULT_ORDER_ID_PATTERN
from models.bundled import DEFAULT_LLM
from models.intents import SHIPPED_MODEL as INTENT_ARTIFACT

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "admin"}


class Settings(BaseSettings):
    """Kefu's configuration, read from ``KEFU_*`` environment variables (or a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="production refuses placeholder secrets"
    )
    data_dir: Path = Field(Path("data"), description="where all local state lives")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite at DATA_DIR/kefu.db"
    )
    checkpoint_url: str = Field(
        "", description="LangGraph checkpointer; empty means SQLite at DATA_DIR/checkpoints.db"
    )
    chroma: str = Field(
        "", description="empty: a persistent Chroma folder at DATA_DIR/chroma; or http://host:port"
    )
    llm: str = Field(
        f"llamacpp:{DEFAULT_LLM.path}",
        description="llamacpp:/path/model.gguf or openai-compatible:http://host:port/v1",
    )
    llm_model_name: str = Field("default", description="model name sent to an OpenAI server")
    llm_context_tokens: int = Field(4096, ge=512, description="context window of the LLM")
    llm_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp")
    llm_max_answer_tokens: int = Field(
        320, ge=16, description="longest text the LLM writes for an answer, in tokens"
    )
    llm_temperature: float = Field(0.1, ge=0.0, le=2.0)
    llm_timeout_seconds: float = Field(120.0, gt=0, description="remote LLM request timeout")
    llm_api_key: str = Field(
        "", description="bearer token for an OpenAI-compatible LLM server started with an API key"
    )
    llm_parallel: int = Field(
        0,
        ge=0,
        le=64,
        description="generations the LLM runs at once, each with a queue thread: in-process, "
        "that many llama.cpp instances (the weights are mapped once; each has its own context "
        "and KEFU_LLM_THREADS threads); for a server, its parallel slots. 0: 1 in-process, "
        "4 for a server",
    )
    llm_queue_size: int = Field(
        8,
        ge=0,
        description="generations that may wait for the LLM in a worker, served in turn across "
        "sessions; one more is refused and its turn goes on without the model (the original "
        "wording instead of a translation, the policy's ticket fields)",
    )
    llm_max_wait_seconds: float = Field(
        5.0,
        gt=0,
        description="a generation that would likely wait longer than this for the LLM (from the "
        "line ahead of it and the mean generation's length) is refused as when the line is full",
    )
    llm_trace_file: str = Field(
        "",
        description="append one JSON line per LLM generation (its redacted messages, queue "
        "wait, time to first token, length, text) to this file, for benchmarks and debugging; "
        "empty: none",
    )
    max_active_turns: int = Field(
        8, ge=1, description="chat turns a worker runs at once; the next ones wait in line"
    )
    max_waiting_turns: int = Field(
        64,
        ge=0,
        description="chat turns that may wait for a slot in a worker; one more is refused "
        "with 429 and Retry-After",
    )
    turn_timeout_seconds: float = Field(
        180.0,
        gt=0,
        description="a chat turn still running after this long ends with an `error` event "
        "(turn_timeout) and its generation stops; the session goes on",
    )
    embedder: str = Field(
        "use-multilingual",
        description="use-multilingual (bundled, zh+en) or sentence-transformers:<name or path>",
    )
    intent_model: Path = Field(INTENT_ARTIFACT, description="the trained intent model file")
    intent_clarify_below: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="intent confidence below which an unclear turn is clarified",
    )
    sla_first_response_minutes: dict[str, int] = Field(
        {"urgent": 15, "high": 60, "normal": 240, "low": 1440},
        description="minutes to an agent's first public reply, per ticket priority (JSON)",
    )
    sla_resolution_minutes: dict[str, int] = Field(
        {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080},
        description="minutes to resolution, per ticket priority (JSON)",
    )
    orders: str = Field(
        "demo",
        description="order look-ups: demo (seeded store), none, or the shop's http(s) base URL",
    )
    orders_token: str = Field("", description="bearer token for the shop's order system")
    orders_timeout_seconds: float = Field(3.0, gt=0, description="order system request timeout")
    orders_retries: int = Field(2, ge=0, le=10, description="retries when the order system fails")
    order_id_pattern: str = Field(
        DEFAULT_ORDER_ID_PATTERN,
        description="regular expression of the shop's order numbers (never matching card numbers)",
    )
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated receivers of ticket.created / ticket.updated events",
    )
    webhook_secret: str = Field("", description="HMAC-SHA256 key signing every webhook")
    webhook_max_attempts: int = Field(8, ge=1, le=50, description="tries before a delivery fails")
    webhook_backoff_seconds: float = Field(
        5.0, gt=0, description="wait before the first retry; doubles each time (max 1 h)"
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, description="webhook request timeout")
    vault_key: str = Field(
        "",
        description="Fernet key of the pseudonym vault; empty in development: a key file in "
        "DATA_DIR (production refuses to start without one)",
    )
    pii_policy: dict[str, str] = Field(
        dict(DEFAULT_PII_POLICY),
        description="per entity type: keep, mask or pseudonymise (JSON)",
    )
    timezone: str = Field(
        "Asia/Shanghai",
        description="the shop's time zone: analytics days and hours and report periods",
    )
    report_language: str = Field(
        "zh", pattern="^(zh|en)$", description="language of the reports made on schedule"
    )
    reports_on_schedule: bool = Field(
        True, description="make and keep each month's and quarter's report when it ends"
    )
    retention_days: int = Field(
        0, ge=0, description="sessions idle for longer are forgotten everywhere; 0 keeps them"
    )
    chunk_tokens: int = Field(220, ge=32, description="target chunk size in tokens")
    chunk_overlap_tokens: int = Field(30, ge=0, description="overlap between chunks in tokens")
    retrieval_top_k: int = Field(6, ge=1, le=20)
    retrieval_candidates: int = Field(
        20,
        ge=1,
        le=200,
        description="passages each of the dense and the BM25 lists offer for fusion",
    )
    reranker: str = Field(
        "",
        description="a sentence-transformers cross-encoder (name or path) that reorders the "
        "fused passages; empty: none",
    )
    answer_min_coverage: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="a passage holding this share of the question's word weight answers it "
        "whatever its similarity (short keyword questions)",
    )
    answer_offer_below: float = Field(
        0.4,
        ge=-1.0,
        le=1.0,
        description="an answer whose best passage is less similar than this ends with the "
        "offer of a person",
    )
    answer_min_similarity: float = Field(
        0.28,
        ge=-1.0,
        le=1.0,
        description="below this cosine similarity between the question and the best passage the "
        "bot says the help centre does not cover it and offers a person",
    )
    prompt_passage_tokens: int = Field(
        300, ge=64, description="budget for the evidence an answer quotes or translates, in tokens"
    )
    max_message_chars: int = Field(2000, ge=1, description="longest shopper message accepted")
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    max_document_chunks: int = Field(
        2000, ge=1, description="most chunks one document may make (more: 413)"
    )
    bootstrap_admin_key: str = Field("", description="made an admin key at start-up when set")
    redis_url: str = Field(
        "",
        description="redis://host:port/db shared by several workers for rate limits; empty: "
        "each worker keeps its own",
    )
    redis_prefix: str = Field(
        "kefu:", description="prefix of Kefu's Redis keys (several deployments, one Redis)"
    )
    rate_limit_ip: str = Field(
        "300/minute", description="requests per client IP to the shopper endpoints ('off': none)"
    )
    rate_limit_session: str = Field("20/minute", description="chat turns per session")
    rate_limit_key: str = Field("1200/minute", description="requests per API key")
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="comma-separated addresses or networks (10.0.0.0/8) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed, for client IPs in rate limits and "
        "logs; '*' for any, empty for none",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"],
        description="comma-separated origins (shop sites) whose pages may embed the widget and "
        "call the API from the browser; '*' allows any",
    )
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = Field(
        "json", description="one JSON object per line (with the request id), or plain text"
    )
    max_request_bytes: int = Field(
        1024 * 1024, ge=1024, description="largest request body but uploads (larger: 413)"
    )

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> "Settings":
        if self.environment == "production" and self.bootstrap_admin_key.strip().lower() in (
            PLACEHOLDER_SECRETS - {""}
        ):
            raise ValueError("KEFU_BOOTSTRAP_ADMIN_KEY is a placeholder; set a real secret")
        return self

    @field_validator("rate_limit_ip", "rate_limit_session", "rate_limit_key")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        Rate.parse(value)  # raises with the reason
        return value

    @field_validator("webhook_urls", "cors_origins", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"KEFU_TIMEZONE: unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @field_validator("order_id_pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"KEFU_ORDER_ID_PATTERN is not a regular expression: {exc}") from exc
        return value

    @field_validator("pii_policy")
    @classmethod
    def _known_actions(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = {k: v for k, v in value.items() if v not in ("keep", "mask", "pseudonymise")}
        if wrong:
            raise ValueError(f"KEFU_PII_POLICY: use keep, mask or pseudonymise, not {wrong}")
        return {k.upper(): v for k, v in value.items()}

    @model_validator(mode="after")
    def _a_real_vault_key_in_production(self) -> "Settings":
        if self.environment == "production" and (
            not self.vault_key or self.vault_key.strip().lower() in PLACEHOLDER_SECRETS
        ):
            raise ValueError("KEFU_VAULT_KEY must be set to a real key in production")
        return self

    @model_validator(mode="after")
    def _webhooks_are_signed(self) -> "Settings":
        for url in self.webhook_urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"KEFU_WEBHOOK_URLS: {url!r} is not an http(s) URL")
        if self.webhook_urls and len(self.webhook_secret) < 16:
            raise ValueError("KEFU_WEBHOOK_SECRET of at least 16 characters is needed for webhooks")
        return self

    @model_validator(mode="after")
    def _sla_for_every_priority(self) -> "Settings":
        priorities = {"low", "normal", "high", "urgent"}
        for name in ("sla_first_response_minutes", "sla_resolution_minutes"):
            given = getattr(self, name)
            if set(given) != priorities or min(given.values()) <= 0:
                raise ValueError(
                    f"KEFU_{name.upper()} needs a positive number of minutes for each of "
                    f"{sorted(priorities)}, got {given}"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'kefu.db'}"

    @property
    def resolved_checkpoint_url(self) -> str:
        return self.checkpoint_url or str(self.data_dir.resolve() / "checkpoints.db")

    @property
    def chroma_path(self) -> Path:
        return self.data_dir.resolve() / "chroma"


@lru_cache
def get_settings() -> Settings:
    return Settings()
