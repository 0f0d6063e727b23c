"""The schema comes from Alembic on SQLite and PostgreSQL, and upgrades keep data."""

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from app.core.db import alembic_config, create_db_engine, migrate
from app.db.models import ApiKey, Role
from app.services.catalog import SqlDocumentCatalog
from app.services.keys import create_api_key, find_api_key
from app.services.transcripts import TranscriptStore

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _check(engine: Engine) -> None:
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "api_keys",
        "documents",
        "chat_sessions",
        "session_messages",
        "alembic_version",
    } <= tables
    key = create_api_key(engine, Role.staff, "editor")
    migrate(engine)  # a second upgrade is a no-op that keeps the data
    found = find_api_key(engine, key)
    assert found is not None and found.role is Role.staff
    with Session(engine) as session:
        stored = session.exec(select(ApiKey)).one()
        assert stored.key_hash != key and key not in stored.key_hash  # only the hash is stored


def test_sqlite(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/kefu.db")
    _check(engine)
    engine.dispose()


@pytest.mark.postgres
def test_postgresql(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    _check(engine)
    engine.dispose()


def _upgrade_keeps_sessions_and_their_agent_replies(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO chat_sessions (id, locale, created_at, updated_at) "
                "VALUES ('s-old', 'zh', '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        )
        for role, content in (("shopper", "台灯坏了"), ("agent", "已为您补发")):
            connection.execute(
                text(
                    "INSERT INTO session_messages (session_id, role, content, created_at) "
                    "VALUES ('s-old', :role, :content, '2026-11-01 10:00:00')"
                ),
                {"role": role, "content": content},
            )
    migrate(engine)
    store = TranscriptStore(engine)
    assert [m.content for m in store.messages("s-old")] == ["台灯坏了", "已为您补发"]
    assert store.take_agent_messages("s-old") == []  # replied before the upgrade: not re-sent


def test_sqlite_upgrade_from_0002(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    _upgrade_keeps_sessions_and_their_agent_replies(engine)
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_upgrade_from_0002(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    _upgrade_keeps_sessions_and_their_agent_replies(engine)
    engine.dispose()


def test_documents_from_before_versions_are_version_1(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    command.upgrade(alembic_config(engine), "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, filename, title, lang, content_hash, size_bytes, "
                "chunks, status, created_at, updated_at) VALUES ('d1', 'faq.md', 'FAQ', 'en', "
                "'abc', 10, 2, 'ready', '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        )
    migrate(engine)
    record = SqlDocumentCatalog(engine).find_by_filename("faq.md")
    assert record is not None and (record.version, record.chunks) == (1, 2)
    engine.dispose()


WORKER_START = """
import asyncio, sys, time
from pathlib import Path
from app.container import open_checkpointer
from app.core.db import create_db_engine, migrate
from app.db.models import Role
from app.services.keys import ensure_api_key

url, gate = sys.argv[1], Path(sys.argv[2])
Path(f"{gate}.{sys.argv[3]}").touch()  # imported, ready to go
while not gate.exists():
    time.sleep(0.01)
engine = create_db_engine(url)
migrate(engine)
ensure_api_key(engine, "bootstrap-admin-key-0123456789", Role.admin, "bootstrap")


async def checkpoints() -> None:
    async with open_checkpointer(url):
        pass


asyncio.run(checkpoints())
print("started")
"""


@pytest.mark.postgres
def test_workers_starting_together_on_one_new_database_all_start(
    postgres_url: str, tmp_path: Path
) -> None:
    """Schema, checkpoint tables and the bootstrap key, from four processes at the same moment
    (each blocks on the first one's advisory lock, then finds the work done)."""
    gate = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_START, postgres_url, str(gate), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.*"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    gate.touch()
    results = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 4, [err for _, err in results]
    engine = create_db_engine(postgres_url)
    with Session(engine) as session:
        assert len(session.exec(select(ApiKey)).all()) == 1
        revision = session.exec(text("SELECT version_num FROM alembic_version")).all()  # type: ignore[call-overload]
        assert len(revision) == 1
    engine.dispose()
