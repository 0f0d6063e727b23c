"""Shared fixtures: real models loaded once per session, fresh data folders per test file."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.db import create_db_engine, migrate
from app.main import create_app
from graphs.redaction.engine import Redactor
from models.bundled import DEFAULT_LLM
from models.embedder import Embedder, create_embedder
from models.llm import ChatModel, create_chat_model
from tests.live import free_port

ROOT = Path(__file__).resolve().parent.parent
DEMO_KB = ROOT / "kb" / "demo"
ADMIN_KEY = "test-admin-key-0123456789"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "bootstrap_admin_key": ADMIN_KEY,
        "llm_max_answer_tokens": 120,
        "reports_on_schedule": False,  # tests make reports when they mean to
        # The shared app serves many tests from one address; the limits have tests of their own.
        "rate_limit_ip": "off",
        "rate_limit_session": "off",
        "rate_limit_key": "off",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def llm() -> ChatModel:
    return create_chat_model(
        f"llamacpp:{DEFAULT_LLM.path}",
        model_name="test",
        context_tokens=4096,
        threads=2,
        timeout=30,
    )


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return create_embedder("use-multilingual")


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()


POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the block; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test: a SQLite file, and again an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kefu.db'}"
        return
    with fresh_postgres_database("kefu_test") as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on ``database_url``, disposed after the test."""
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """The app on the embedded stack, and again with every table and checkpoint in a fresh
    PostgreSQL database: each API test runs on both."""
    data_dir = tmp_path_factory.mktemp(f"api-data-{request.param}")
    if request.param == "sqlite":
        yield create_app(make_settings(data_dir))
        return
    with fresh_postgres_database("kefu_api") as url:
        yield create_app(make_settings(data_dir, database_url=url, checkpoint_url=url))


@pytest.fixture(scope="session")
async def api(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (real LLM, embedder, Chroma, SQLite or PostgreSQL) with the demo KB, over
    ASGI."""
    async with api_app.router.lifespan_context(api_app):
        container = api_app.state.container
        container.pipeline.ingest_paths([DEMO_KB])
        transport = httpx.ASGITransport(app=api_app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://kefu.test", timeout=120
        ) as client:
            yield client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="session")
def demo_files() -> Iterator[list[Path]]:
    yield sorted(p for p in DEMO_KB.glob("*.md") if p.stem != "README")


CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a free port for the module; its URL."""
    if CHROMA is None:
        pytest.skip("the chroma command is not installed")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                CHROMA,
                "run",
                "--path",
                str(folder / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            process.kill()
            raise RuntimeError("chroma server did not start")
        yield url
        process.terminate()
        process.wait(timeout=20)
