"""Builds Kefu's heavy singletons once: database, models, knowledge store, chat graph."""

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text

from app.analytics.reports import (
    ReportArchive,
    Reports,
    intent_accuracy,
    make_reports_on_schedule,
)
from app.analytics.store import AnalyticsStore
from app.core.config import Settings
from app.core.db import SCHEMA_LOCK, SCHEMA_LOCK_POLL_SECONDS, create_db_engine, migrate
from app.core.ratelimit import MemoryRateLimiter, RateLimiter, create_rate_limiter
from app.db.models import Role
from app.services.admission import TurnGate
from app.services.catalog import SqlDocumentCatalog
from app.services.chat import ChatService, count_turns
from app.services.keys import ensure_api_key
from app.services.llm_observer import LLMQueueObserver
from app.services.metered_llm import MeteredChatModel
from app.services.orders import create_order_lookup
from app.services.retention import purge_periodically
from app.services.session_locks import create_session_locks
from app.services.tickets import SlaPolicy, TicketDeskAdapter, TicketService
from app.services.transcripts import TranscriptStore
from app.services.vault import PseudonymVault, load_vault_key
from app.services.webhooks import WebhookDispatcher, WebhookOutbox
from graphs.chat.context import ChatConfig, ChatServices
from graphs.chat.graph import build_chat_graph
from graphs.redaction.engine import Redactor
from ingest.hybrid import HybridRetriever
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import create_embedder
from models.intents import IntentClassifier
from models.intents.model import load_intent_model
from models.llm import create_chat_models, estimate_tokens
from models.reranker import create_reranker
from models.scheduler import LLMScheduler

logger = logging.getLogger("kefu")


@dataclass
class Container:
    settings: Settings
    engine: Engine
    store: KnowledgeStore
    catalog: SqlDocumentCatalog
    pipeline: IngestPipeline
    llm: LLMScheduler | None = None
    intents: IntentClassifier | None = None
    tickets: TicketService | None = None
    chat: ChatService | None = None
    checkpointer: Any = None
    redactor: Redactor | None = None
    vault: PseudonymVault | None = None
    retriever: HybridRetriever | None = None
    analytics: AnalyticsStore | None = None

    reports: Reports | None = None
    rate_limiter: RateLimiter = field(default_factory=MemoryRateLimiter)

    def today(self) -> date:
        """Today in the shop's time zone."""
        return datetime.now(UTC).astimezone(self.settings.zone).date()

    def reports_service(self) -> Reports:
        if self.reports is None:
            self.reports = Reports(
                self.engine,
                ReportArchive(self.settings.reports_dir),
                self.settings.zone,
                evaluate_intents=partial(intent_accuracy, self.settings.intent_model),
            )
        return self.reports

    def readiness(self) -> dict[str, bool]:
        checks = {
            "llm": self.llm is not None and self.llm.ready(),
            "intent_model": self.intents is not None,
            "graph": self.chat is not None,
        }
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            checks["database"] = False
        try:
            checks["knowledge_store"] = self.store.heartbeat()
        except Exception:
            checks["knowledge_store"] = False
        return checks


# How long a thread may hold Python's GIL while another waits (Python's default: 5 ms). An
# in-process model's thread needs the GIL for a moment between tokens; at 5 ms it waited
# behind the event loop often enough to cost 3-4% of the generation speed (service_vs_raw).
GIL_SWITCH_SECONDS = 0.001


def build_llm(settings: Settings) -> LLMScheduler:
    """The LLM's instances behind this worker's bounded, fair queue, with their metrics."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    instances = create_chat_models(
        settings.llm,
        parallel=settings.llm_parallel,
        model_name=settings.llm_model_name,
        context_tokens=settings.llm_context_tokens,
        threads=settings.llm_threads,
        timeout=settings.llm_timeout_seconds,
        api_key=settings.llm_api_key,
    )
    observer = LLMQueueObserver(Path(settings.llm_trace_file) if settings.llm_trace_file else None)
    scheduler = LLMScheduler(
        [MeteredChatModel(instance) for instance in instances],
        max_waiting=settings.llm_queue_size,
        max_wait_seconds=settings.llm_max_wait_seconds,
        observer=observer,
    )
    observer.watch(scheduler)
    return scheduler


def build_knowledge(settings: Settings) -> Container:
    """Database and knowledge store: all that ingestion and key management need."""
    engine = create_db_engine(settings.resolved_database_url)
    migrate(engine)
    catalog = SqlDocumentCatalog(engine)
    store = KnowledgeStore(
        create_chroma_client(settings.chroma, settings.chroma_path),
        create_embedder(settings.embedder),
        live_versions=catalog.live_versions,
    )
    tickets = TicketService(
        engine,
        SlaPolicy(settings.sla_first_response_minutes, settings.sla_resolution_minutes),
        WebhookOutbox(urls=tuple(settings.webhook_urls)),
    )
    redactor = Redactor()
    pipeline = IngestPipeline(
        store=store,
        catalog=catalog,
        count_tokens=estimate_tokens,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        max_bytes=settings.max_upload_bytes,
        max_chunks=settings.max_document_chunks,
        scanner=redactor,
    )
    return Container(
        settings=settings,
        engine=engine,
        store=store,
        catalog=catalog,
        pipeline=pipeline,
        tickets=tickets,
        redactor=redactor,
    )


async def _take_schema_lock(connection: "psycopg.AsyncConnection[Any]") -> None:
    """PostgreSQL's advisory schema lock, polled for (see SCHEMA_LOCK_POLL_SECONDS)."""
    while True:
        taken = await connection.execute("SELECT pg_try_advisory_lock(%s)", (SCHEMA_LOCK,))
        if await taken.fetchone() == (True,):
            return
        await asyncio.sleep(SCHEMA_LOCK_POLL_SECONDS)


@contextlib.asynccontextmanager
async def open_checkpointer(target: str) -> AsyncIterator[Any]:
    """LangGraph's checkpointer: SQLite file by default, PostgreSQL for a postgresql:// URL."""
    if target.startswith(("postgresql://", "postgres://")):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(target) as saver:
            async with await psycopg.AsyncConnection.connect(target, autocommit=True) as lock:
                # One worker at a time creates or upgrades the checkpoint tables (polling: see
                # SCHEMA_LOCK_POLL_SECONDS).
                await _take_schema_lock(lock)
                try:
                    await saver.setup()
                finally:
                    await lock.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
            yield saver
        return
    if "://" in target:
        raise ValueError(
            f"KEFU_CHECKPOINT_URL must be a SQLite file path or postgresql://..., not {target!r}"
        )
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with AsyncSqliteSaver.from_conn_string(target) as saver:
        await saver.setup()
        yield saver


@contextlib.asynccontextmanager
async def build_container(settings: Settings) -> AsyncIterator[Container]:
    """Everything the HTTP service needs, closed again on exit."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    container = build_knowledge(settings)
    container.rate_limiter = create_rate_limiter(settings.redis_url, settings.redis_prefix)
    if settings.bootstrap_admin_key:
        ensure_api_key(container.engine, settings.bootstrap_admin_key, Role.admin, "bootstrap")
    key = load_vault_key(
        settings.vault_key,
        settings.data_dir / "vault.key",
        production=settings.environment == "production",
    )
    container.vault = PseudonymVault(container.engine, key)
    container.analytics = AnalyticsStore(container.engine, key)
    llm = container.llm = build_llm(settings)
    embedder = container.store.embedder
    retriever = container.retriever = HybridRetriever(
        container.store,
        candidates=settings.retrieval_candidates,
        reranker=create_reranker(settings.reranker),
    )
    container.intents = load_intent_model(settings.intent_model, {embedder.name: embedder})
    services = ChatServices(
        llm=llm,
        retriever=retriever,
        redactor=container.redactor or Redactor(),
        intents=container.intents,
        tickets=TicketDeskAdapter(tickets) if (tickets := container.tickets) else None,
        vault=container.vault,
        orders=create_order_lookup(
            settings.orders,
            token=settings.orders_token,
            timeout_seconds=settings.orders_timeout_seconds,
            retries=settings.orders_retries,
        ),
        config=ChatConfig(
            top_k=settings.retrieval_top_k,
            answer_min_similarity=settings.answer_min_similarity,
            answer_offer_below=settings.answer_offer_below,
            answer_min_coverage=settings.answer_min_coverage,
            clarify_below=settings.intent_clarify_below,
            passage_tokens=settings.prompt_passage_tokens,
            max_answer_tokens=settings.llm_max_answer_tokens,
            temperature=settings.llm_temperature,
            order_id_pattern=settings.order_id_pattern,
            pii_policy=settings.pii_policy,
        ),
    )
    async with open_checkpointer(settings.resolved_checkpoint_url) as checkpointer:
        container.checkpointer = checkpointer
        graph = build_chat_graph(checkpointer)
        locks = create_session_locks(settings.redis_url, settings.redis_prefix)
        container.chat = ChatService(
            graph,
            services,
            TranscriptStore(container.engine),
            container.analytics,
            locks,
            turn_timeout=settings.turn_timeout_seconds,
            gate=TurnGate(
                settings.max_active_turns, settings.max_waiting_turns, on_change=count_turns
            ),
        )
        logger.info("Kefu ready: llm=%s embedder=%s", llm.name, container.store.embedder.name)
        background = [
            asyncio.create_task(deliver_webhooks(settings, container.engine)),
            asyncio.create_task(make_scheduled_reports(container)),
            asyncio.create_task(
                purge_periodically(
                    container.engine,
                    checkpointer,
                    container.vault,
                    settings.retention_days,
                    container.analytics,
                )
            ),
        ]
        try:
            yield container
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await container.rate_limiter.close()
            await locks.close()
            await asyncio.to_thread(llm.close)
            container.engine.dispose()


async def make_scheduled_reports(container: Container) -> None:
    if container.settings.reports_on_schedule:
        await make_reports_on_schedule(
            container.reports_service(), container.settings.report_language
        )


async def deliver_webhooks(settings: Settings, engine: Engine) -> None:
    """The webhook dispatcher of this worker (each worker runs one; rows are claimed)."""
    if not settings.webhook_urls:
        return
    await WebhookDispatcher(
        engine,
        settings.webhook_secret,
        max_attempts=settings.webhook_max_attempts,
        backoff_seconds=settings.webhook_backoff_seconds,
        timeout_seconds=settings.webhook_timeout_seconds,
    ).run()
