"""Database engine and migrations (Alembic); SQLite by default, PostgreSQL by URL."""

import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlmodel import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "db" / "migrations"
# PostgreSQL advisory lock key under which schema changes (Alembic's and the checkpointer's)
# run, so that workers starting together on one database do not race.
SCHEMA_LOCK = 0x6B656675  # "kefu"
# Waiters poll rather than block: a blocked statement holds a snapshot, and the checkpointer's
# CREATE INDEX CONCURRENTLY waits for every snapshot to end, the waiter's too (a deadlock).
SCHEMA_LOCK_POLL_SECONDS = 0.1


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; data is kept across upgrades. On PostgreSQL,
    workers starting together migrate one after the other; the later ones find it done."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
        while not lock.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEMA_LOCK}
        ).scalar():
            time.sleep(SCHEMA_LOCK_POLL_SECONDS)
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
