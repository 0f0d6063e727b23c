"""The schema comes from Alembic on SQLite and PostgreSQL, and upgrades keep data."""

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from app.core.db import create_db_engine, migrate
from app.db.models import ApiKey, Role
from app.services.keys import create_api_key, find_api_key

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
