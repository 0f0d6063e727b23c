"""The analytics summary of a month holding a million turn events, on SQLite and PostgreSQL.

.venv/bin/python -m bench.analytics_summary [--turns 1000000] [--postgres URL] [--sqlite PATH]

Fills a fresh database (about 330,000 conversations of three turns over 30 days, 6% with a
ticket, through a
bulk insert rather than the per-turn path), rebuilds the hourly totals from those rows, and
then times ``summarise`` over the month, the figures ``GET /v1/analytics/summary`` returns:
cold (first run) and warm (median of five).
"""

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Engine, insert

from app.analytics.model import Outcome
from app.analytics.store import hour_of, rebuild_totals
from app.analytics.summary import summarise
from app.core.db import create_db_engine, migrate
from app.db.models import AnalyticsSession, AnalyticsTurn, Ticket, TicketPriority, TicketStatus

ZONE = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 11, 1), date(2026, 12, 1)
INTENTS = [f"intent_{n}" for n in range(28)]
OUTCOMES = list(Outcome)
QUESTIONS = [f"unanswered question {n}" for n in range(500)]
BATCH = 20_000
ESCALATED = 0.06


def fill(engine: Engine, turns: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    began = datetime(2026, 10, 31, 16, tzinfo=UTC)
    seconds = 30 * 24 * 3600
    started = time.perf_counter()
    sessions: list[dict[str, object]] = []
    tickets: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    made = 0
    with engine.begin() as connection:
        while made < turns:
            at = began + timedelta(seconds=rng.randrange(seconds))
            session = uuid.UUID(int=rng.getrandbits(128)).hex
            length = min(3, turns - made)
            rating = rng.choice([None, None, 1, 2, 3, 4, 5])
            ticket = None
            if rng.random() < ESCALATED:  # a ticket, resolved or not
                ticket = len(tickets) + 1
                tickets.append(
                    {
                        "id": ticket,
                        "summary": "bench",
                        "category": rng.choice(("complaint", "refund", "general")),
                        "priority": TicketPriority.normal,
                        "status": rng.choice(list(TicketStatus)),
                        "created_at": at + timedelta(seconds=30),
                        "updated_at": at + timedelta(seconds=30),
                        "first_response_due": at + timedelta(hours=4),
                        "resolution_due": at + timedelta(hours=24),
                        "first_responded_at": at + timedelta(minutes=rng.randint(5, 600)),
                    }
                )
            sessions.append(
                {
                    "id": session,
                    "started_at": at,
                    "last_at": at + timedelta(seconds=60 * (length - 1)),
                    "seconds": 60 * (length - 1),
                    "lang": rng.choice(("zh", "en")),
                    "turns": length,
                    "abstained": 0,
                    "rating": rating,
                    "ticket_id": ticket,
                }
            )
            for index in range(length):
                when = at + timedelta(seconds=60 * index)
                outcome = rng.choice(OUTCOMES)
                rows.append(
                    {
                        "session": session,
                        "at": when,
                        "hour": hour_of(when),
                        "lang": "zh",
                        "intent": rng.choice(INTENTS),
                        "outcome": outcome.value,
                        "opening": index == 0,
                        "first_token_ms": rng.randint(50, 3000),
                        "turn_ms": rng.randint(100, 9000),
                        "question": rng.choice(QUESTIONS) if outcome is Outcome.abstained else None,
                    }
                )
            made += length
            if len(rows) >= BATCH:
                connection.execute(insert(AnalyticsSession), sessions)
                connection.execute(insert(AnalyticsTurn), rows)
                sessions, rows = [], []
        if rows:
            connection.execute(insert(AnalyticsSession), sessions)
            connection.execute(insert(AnalyticsTurn), rows)
        connection.execute(insert(Ticket), tickets)
    return time.perf_counter() - started


def measure(name: str, engine: Engine, turns: int) -> None:
    migrate(engine)
    fill_seconds = fill(engine, turns)
    started = time.perf_counter()
    totals = rebuild_totals(engine)
    rebuild_seconds = time.perf_counter() - started
    with engine.connect() as connection:  # fresh planner statistics, as a live system has
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    timings = []
    for _ in range(6):
        started = time.perf_counter()
        summary = summarise(engine, START, END, ZONE)
        timings.append(time.perf_counter() - started)
    print(
        f"{name:<11} turns {summary.turns:>9,}  conversations {summary.conversations:>8,}  "
        f"fill {fill_seconds:6.1f} s  totals {totals:,} rebuilt in {rebuild_seconds:.1f} s  "
        f"summary cold {timings[0]:.3f} s  "
        f"warm median {statistics.median(timings[1:]):.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.sqlite or Path(folder) / "bench.db"
        measure("sqlite", create_db_engine(f"sqlite:///{path}"), args.turns)
    name = f"kefu_bench_{uuid.uuid4().hex[:8]}"
    admin = args.postgres
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.rsplit("/", 1)[0] + f"/{name}"
        engine = create_db_engine(url)
        measure("postgresql", engine, args.turns)
        engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
