"""Forgetting sessions everywhere they are kept, on request (erasure) or after the retention
period (the purge, run hourly by each worker; running it twice is harmless)."""

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from app.analytics.store import AnalyticsStore
from app.db.models import utcnow
from app.services.audit import AuditLog
from app.services.customers import CustomerData, Erasure
from app.services.vault import PseudonymVault

logger = logging.getLogger("kefu.retention")
PURGE_EVERY_SECONDS = 3600


async def forget_elsewhere(
    erasure: Erasure,
    checkpointer: Any,
    vault: PseudonymVault | None,
    analytics: AnalyticsStore | None = None,
) -> dict[str, int]:
    """After the database rows: the sessions' LangGraph checkpoints, vault entries and the
    texts analytics kept (their counts stay)."""
    counts = erasure.counts()
    if checkpointer is not None:
        for session_id in erasure.sessions:
            await checkpointer.adelete_thread(session_id)
    if vault is not None:
        counts["vault_entries"] = await asyncio.to_thread(vault.erase_sessions, erasure.sessions)
    if analytics is not None:
        counts["analytics_conversations"] = await asyncio.to_thread(
            analytics.forget, erasure.sessions
        )
    return counts


async def purge_expired(
    engine: Engine,
    checkpointer: Any,
    vault: PseudonymVault | None,
    retention_days: int,
    analytics: AnalyticsStore | None = None,
) -> dict[str, int]:
    """Forget every session idle for longer than the retention period."""
    data = CustomerData(engine)
    before = utcnow() - timedelta(days=retention_days)
    session_ids = await asyncio.to_thread(data.sessions_idle_since, before)
    if not session_ids:
        return Erasure().counts()
    erasure = await asyncio.to_thread(data.erase_sessions, session_ids)
    counts = await forget_elsewhere(erasure, checkpointer, vault, analytics)
    await asyncio.to_thread(
        AuditLog(engine).record,
        "system:retention",
        "retention.purge",
        "",
        {**counts, "retention_days": retention_days},
    )
    logger.info("retention purge: %s", counts)
    return counts


async def purge_periodically(
    engine: Engine,
    checkpointer: Any,
    vault: PseudonymVault | None,
    retention_days: int,
    analytics: AnalyticsStore | None = None,
) -> None:
    if retention_days <= 0:
        return
    while True:
        try:
            await purge_expired(engine, checkpointer, vault, retention_days, analytics)
        except Exception:
            logger.exception("retention purge failed")
        await asyncio.sleep(PURGE_EVERY_SECONDS)
