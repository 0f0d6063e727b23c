"""`kefu backup` and `kefu restore` through the real stores: a data folder with documents,
tickets, a conversation, its checkpoints, a vault entry and a kept report is backed up,
restored elsewhere and compared store by store."""

import asyncio
import gc
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.analytics.periods import parse_period
from app.analytics.reports import ReportArchive, Reports
from app.container import Container, build_knowledge, open_checkpointer
from app.core.config import Settings
from app.core.db import alembic_config, create_db_engine, migrate
from app.db.models import Role, TicketPriority
from app.services import backup
from app.services.audit import AuditLog
from app.services.backup import (
    BackupError,
    DamagedArchive,
    Manifest,
    RestoreRefused,
    create_backup,
    restore_backup,
)
from app.services.keys import create_api_key
from app.services.tickets import NewTicket
from app.services.transcripts import TranscriptStore
from app.services.vault import PseudonymVault, load_vault_key
from graphs.chat.graph import build_chat_graph
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import Embedder
from tests.conftest import DEMO_KB, POSTGRES_SERVER, make_settings
from tests.live import KEFU, free_port, server_env

POSTGRES_ADMIN = f"{POSTGRES_SERVER}/postgres"

SESSION = "s-backup-1"
PHONE = "13912345678"
QUESTIONS = ("How long do I have to return an item?", "偏远地区运费多少？")
CHROMA = Path(sys.executable).with_name("chroma")
PG_TOOLS = bool(shutil.which("pg_dump") and shutil.which("psql"))


@dataclass
class Source:
    """A populated Kefu: the container that wrote it and what it wrote."""

    container: Container
    settings: Settings
    token: str
    document_id: str


async def write_checkpoint(target: str, session_id: str) -> None:
    async with open_checkpointer(target) as saver:
        graph = build_chat_graph(saver)
        await graph.aupdate_state(
            {"configurable": {"thread_id": session_id}},
            {"question": "退货要多久？"},
            as_node="redact_input",
        )


async def read_checkpoint(target: str, session_id: str) -> Any:
    async with open_checkpointer(target) as saver:
        return await saver.aget_tuple({"configurable": {"thread_id": session_id}})


def populate(settings: Settings) -> Source:
    """Documents, a ticket with a public reply, a conversation, a vault entry, an API key, an
    audit event, a checkpoint and a kept report, each through Kefu's own services."""
    container = build_knowledge(settings)
    results = container.pipeline.ingest_paths(
        [DEMO_KB / "returns.en.md", DEMO_KB / "shipping.zh.md"]
    )
    transcripts = TranscriptStore(container.engine)
    transcripts.touch_session(SESSION, "c-1", "zh")
    transcripts.add_turn(SESSION, "台灯坏了 [PHONE:x]", "很抱歉！", "complaint", [], "v1")
    assert container.tickets is not None
    ticket, _ = container.tickets.create(
        NewTicket("Lamp arrived broken", "REFUND", TicketPriority.high, SESSION, "c-1")
    )
    assert ticket.id is not None
    container.tickets.reply(ticket.id, "li.na", "We are sending a new lamp.", public=True)
    key = load_vault_key(settings.vault_key, settings.data_dir / "vault.key", production=False)
    token = PseudonymVault(container.engine, key).pseudonymise("PHONE", PHONE, SESSION, "c-1")
    create_api_key(container.engine, Role.staff, "editor")
    AuditLog(container.engine).record("admin:test", "vault.reveal", token, {"reason": "test"})
    asyncio.run(write_checkpoint(settings.resolved_checkpoint_url, SESSION))
    Reports(
        container.engine,
        ReportArchive(settings.reports_dir),
        settings.zone,
        evaluate_intents=lambda: None,
    ).get(parse_period("2026-01"), "en", "json")
    return Source(container, settings, token, results[0].id)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    made = populate(make_settings(tmp_path_factory.mktemp("source") / "data"))
    yield made
    made.container.engine.dispose()


@pytest.fixture(scope="module")
def archive(source: Source, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("archives") / "kefu.tar.gz"
    create_backup(source.settings, out)
    return out


# --- comparing stores ------------------------------------------------------------------------


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(path)) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }


def postgres_tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: sorted(
                    (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))),
                    key=repr,
                )
                for name in sorted(inspect(connection).get_table_names())
            }
    finally:
        engine.dispose()


def assert_same_tables(
    restored: dict[str, list[tuple[Any, ...]]], original: dict[str, list[tuple[Any, ...]]]
) -> None:
    assert sorted(restored) == sorted(original)
    for name, rows in original.items():
        assert restored[name] == rows, f"table {name} differs"


def chroma_records(store: KnowledgeStore) -> dict[str, tuple[str, dict[str, Any], list[float]]]:
    found = store._collection.get(include=["documents", "metadatas", "embeddings"])
    return {
        chunk_id: (document, dict(meta), np.asarray(embedding).tolist())
        for chunk_id, document, meta, embedding in zip(
            found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True
        )
    }


def searches(store: KnowledgeStore) -> list[list[tuple[str, str, float]]]:
    return [[(p.chunk_id, p.text, p.score) for p in store.search(q, 4)] for q in QUESTIONS]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def read_manifest(archive: Path) -> Manifest:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(backup.MANIFEST)
        assert member is not None
        return Manifest.model_validate_json(member.read())


def repack(archive: Path, out: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """A copy of ``archive`` with each member's content passed through ``change`` (None keeps
    it) and the manifest left as it was."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            stream = source.extractfile(member)
            assert stream is not None
            content = stream.read()
            content = change(member.name, content) or content
            member.size = len(content)
            target.addfile(member, io.BytesIO(content))


def with_file(name: str, content: bytes) -> Callable[[str, bytes], bytes | None]:
    """A change for ``repack`` that replaces one file and updates the manifest to match."""
    import hashlib

    def change(member: str, old: bytes) -> bytes | None:
        if member == name:
            return content
        if member == backup.MANIFEST:
            manifest = json.loads(old)
            for entry in manifest["files"]:
                if entry["path"] == name:
                    entry["size"], entry["sha256"] = (
                        len(content),
                        hashlib.sha256(content).hexdigest(),
                    )
            return json.dumps(manifest).encode()
        return None

    return change


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


def leftovers(folder: Path) -> list[str]:
    """Restore folders and kept data beside ``folder``."""
    return [n for n in siblings(folder) if n.startswith((f".{folder.name}.", f"{folder.name}."))]


# --- the embedded stack (SQLite, Chroma folder) -------------------------------------------


def test_a_restore_reproduces_every_store(
    source: Source, archive: Path, tmp_path: Path, embedder: Embedder
) -> None:
    manifest = read_manifest(archive)
    head, _ = backup.code_revisions()
    assert manifest.alembic_revision == head and manifest.alembic_head == head
    assert manifest.embedder == "use-multilingual"
    assert manifest.collection == "kb-use-multilingual"
    assert (manifest.database, manifest.checkpoints, manifest.chroma) == (
        "sqlite",
        "sqlite",
        "folder",
    )
    assert manifest.vault_key == "file" and manifest.kefu_version
    paths = {entry.path for entry in manifest.files}
    assert {"database/kefu.db", "checkpoints/checkpoints.db", "vault.key"} <= paths
    assert "chroma/chroma.sqlite3" in paths and "reports/kefu-report-2026-01.en.json" in paths
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    settings = make_settings(tmp_path / "restored")
    result = restore_backup(settings, archive)
    assert result.kept == [] and result.migrated_from is None and result.warnings == []

    original, restored = source.settings.data_dir.resolve(), settings.data_dir.resolve()
    tables = sqlite_tables(original / "kefu.db")
    assert all(tables[name] for name in ("documents", "tickets", "ticket_replies", "pii_vault"))
    assert len(tables["session_messages"]) == 3 and tables["audit_events"]
    assert_same_tables(sqlite_tables(restored / "kefu.db"), tables)
    checkpoints = sqlite_tables(original / "checkpoints.db")
    assert checkpoints["checkpoints"]
    assert_same_tables(sqlite_tables(restored / "checkpoints.db"), checkpoints)
    found = asyncio.run(read_checkpoint(settings.resolved_checkpoint_url, SESSION))
    assert found is not None and found.checkpoint["channel_values"]["question"] == "退货要多久？"

    store = KnowledgeStore(create_chroma_client("", settings.chroma_path), embedder)
    assert store.count() == source.container.store.count() > 0
    assert chroma_records(store) == chroma_records(source.container.store)
    assert searches(store) == searches(source.container.store)
    assert all(searches(store))

    engine = create_db_engine(settings.resolved_database_url)
    key = load_vault_key("", restored / "vault.key", production=False)
    assert key == (original / "vault.key").read_bytes().strip()
    assert oct((restored / "vault.key").stat().st_mode & 0o777) == "0o600"
    assert PseudonymVault(engine, key).reveal(source.token) == ("PHONE", PHONE)
    engine.dispose()
    assert tree(restored / "reports") == tree(original / "reports") != {}


def test_a_damaged_archive_is_refused_and_nothing_is_touched(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "data"
    target.mkdir()
    (target / "kefu.db").write_bytes(b"the data that is there")
    before = tree(target)

    flipped = tmp_path / "flipped.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    with pytest.raises(DamagedArchive):
        restore_backup(make_settings(target), flipped, force=True)

    altered = tmp_path / "altered.tar.gz"
    repack(
        archive, altered, lambda name, old: b"\0" + old[1:] if name.endswith("kefu.db") else None
    )
    with pytest.raises(DamagedArchive, match=r"database/kefu\.db does not match its SHA-256"):
        restore_backup(make_settings(target), altered, force=True)

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 3])
    with pytest.raises(DamagedArchive):
        restore_backup(make_settings(target), truncated, force=True)

    assert tree(target) == before and leftovers(target) == []


def test_a_data_folder_with_data_is_replaced_only_with_force(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "data"
    (target / "reports").mkdir(parents=True)
    (target / "reports" / "old.json").write_text("{}")
    before = tree(target)
    with pytest.raises(RestoreRefused, match="--force"):
        restore_backup(make_settings(target), archive)
    assert tree(target) == before and leftovers(target) == []

    result = restore_backup(make_settings(target), archive, force=True)
    [kept] = result.kept
    assert kept.parent == tmp_path and kept.name.startswith("data.before-restore-")
    assert tree(kept) == before
    assert (target / "kefu.db").is_file() and not (target / "reports" / "old.json").exists()
    assert leftovers(target) == [kept.name]  # and no restore folder left behind


def test_a_data_folder_that_is_a_mount_point_is_swapped_entry_by_entry(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "volume"
    target.mkdir()
    (target / "vault.key").write_text("an old key")
    monkeypatch.setattr(backup, "workspace_parent", lambda data_dir: data_dir)
    result = restore_backup(make_settings(target), archive, force=True)
    [kept] = result.kept
    assert kept.parent == target and (kept / "vault.key").read_text() == "an old key"
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["checkpoints.db", "chroma", "kefu.db", "reports", "vault.key", kept.name]
    )


def test_an_archive_from_a_newer_schema_is_refused(archive: Path, tmp_path: Path) -> None:
    def newer(name: str, old: bytes) -> bytes | None:
        if name != backup.MANIFEST:
            return None
        return json.dumps({**json.loads(old), "alembic_revision": "0099"}).encode()

    future = tmp_path / "future.tar.gz"
    repack(archive, future, newer)
    target = tmp_path / "data"
    with pytest.raises(RestoreRefused, match=r"0099.*newer Kefu"):
        restore_backup(make_settings(target), future)
    assert not target.exists() and leftovers(target) == []


def test_an_archive_from_an_older_schema_is_migrated(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "old")
    engine = create_db_engine(settings.resolved_database_url)
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO chat_sessions (id, locale, created_at, updated_at) "
                "VALUES ('s-old', 'zh', '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        )
    engine.dispose()
    out = tmp_path / "old.tar.gz"
    assert create_backup(settings, out).manifest.alembic_revision == "0005"

    restored = make_settings(tmp_path / "new")
    assert restore_backup(restored, out).migrated_from == "0005"
    tables = sqlite_tables(restored.data_dir / "kefu.db")
    assert tables["alembic_version"] == [(backup.code_revisions()[0],)]
    assert "analytics_turns" in tables and [row[0] for row in tables["chat_sessions"]] == ["s-old"]


def test_an_archive_for_other_stores_is_refused(archive: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", chroma="http://127.0.0.1:9")
    with pytest.raises(RestoreRefused, match="KEFU_CHROMA"):
        restore_backup(settings, archive)
    with pytest.raises(BackupError, match="not a file"):
        restore_backup(settings, tmp_path / "missing.tar.gz")
    with pytest.raises(BackupError, match="exists already"):
        create_backup(settings, archive)


def test_a_postgresql_backup_without_pg_dump_says_what_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    settings = make_settings(tmp_path, database_url="postgresql://kefu@127.0.0.1:9/kefu")
    with pytest.raises(BackupError, match=r"pg_dump is needed .* not on PATH") as refused:
        create_backup(settings, tmp_path / "pg.tar.gz")
    assert refused.value.exit_code == 1 and not (tmp_path / "pg.tar.gz").exists()


def test_a_backup_while_another_connection_writes_is_consistent(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "busy")
    engine = create_db_engine(settings.resolved_database_url)
    migrate(engine)
    transcripts = TranscriptStore(engine)
    transcripts.touch_session("busy", None, "en")
    with engine.begin() as connection:  # a few MB, so that copying takes a while
        connection.execute(
            text(
                "INSERT INTO session_messages (session_id, role, content, created_at) "
                "VALUES ('busy', 'shopper', :text, '2026-11-01'), "
                "('busy', 'assistant', :text, '2026-11-01')"
            ),
            [{"text": f"{n:06d} " + "x" * 2000} for n in range(1500)],
        )
    stop, turns = threading.Event(), [0]

    def write() -> None:  # each turn commits a question and its answer together
        while not stop.is_set():
            transcripts.add_turn("busy", f"question {turns[0]}", "answer", None, [], None)
            turns[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    archives, during = [], []
    try:
        while turns[0] < 20:
            time.sleep(0.01)
        for n in range(3):
            before = turns[0]
            archives.append(tmp_path / f"busy-{n}.tar.gz")
            create_backup(settings, archives[-1])
            during.append(turns[0] - before)
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert all(during), "the writer was not writing during the backups"

    for n, out in enumerate(archives):
        restored = tmp_path / f"restored-{n}"
        restore_backup(make_settings(restored), out)
        with closing(sqlite3.connect(restored / "kefu.db")) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            roles = [
                r for (r,) in connection.execute("SELECT role FROM session_messages ORDER BY id")
            ]
        assert len(roles) >= 3000 and len(roles) % 2 == 0
        assert roles == ["shopper", "assistant"] * (len(roles) // 2)


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture
def postgres_database() -> Iterator[Callable[[], str]]:
    """Makes throw-away databases (kefu_backup_<random>), dropped after the test."""
    made: list[str] = []

    def make() -> str:
        name = f"kefu_backup_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    yield make
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        for name in made:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.skipif(not PG_TOOLS, reason="pg_dump and psql (PostgreSQL's client tools) not on PATH")
def test_postgresql_is_dumped_and_restored_in_one_transaction(
    tmp_path: Path, postgres_database: Callable[[], str]
) -> None:
    url = postgres_database()
    made = populate(make_settings(tmp_path / "source", database_url=url, checkpoint_url=url))
    made.container.engine.dispose()
    out = tmp_path / "pg.tar.gz"
    manifest = create_backup(made.settings, out).manifest
    assert (manifest.database, manifest.checkpoints) == ("postgresql", "in-database")
    assert {e.path for e in manifest.files} >= {"database/kefu.sql", "vault.key"}

    target = postgres_database()
    settings = make_settings(tmp_path / "restored", database_url=target, checkpoint_url=target)
    restore_backup(settings, out)
    original = postgres_tables(url)
    assert original["checkpoints"] and original["pii_vault"] and original["tickets"]
    assert_same_tables(postgres_tables(target), original)
    found = asyncio.run(read_checkpoint(target, SESSION))
    assert found is not None
    engine = create_db_engine(target)
    key = load_vault_key("", settings.data_dir / "vault.key", production=False)
    assert PseudonymVault(engine, key).reveal(made.token) == ("PHONE", PHONE)
    engine.dispose()

    elsewhere = make_settings(tmp_path / "empty", database_url=target, checkpoint_url=target)
    with pytest.raises(RestoreRefused, match="Kefu's tables in the PostgreSQL database"):
        restore_backup(elsewhere, out)

    # A dump that fails at its very end leaves the database and the data folder as they were.
    failing = tmp_path / "failing.tar.gz"
    with tarfile.open(out, "r:gz") as tar:
        member = tar.extractfile("database/kefu.sql")
        assert member is not None
        dump = member.read()
    repack(out, failing, with_file("database/kefu.sql", dump + b"\nSELECT no_such_function();\n"))
    folder = tree(settings.data_dir)
    with pytest.raises(BackupError, match="psql failed"):
        restore_backup(settings, failing, force=True)
    assert_same_tables(postgres_tables(target), original)
    assert tree(settings.data_dir) == folder and leftovers(settings.data_dir) == []


# --- a Chroma server ----------------------------------------------------------------------


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    if not CHROMA.is_file():
        pytest.skip(f"no Chroma server program at {CHROMA}")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "chroma-server"), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no Chroma server"
            time.sleep(0.3)
        yield url
    finally:
        gc.collect()  # the client's dropped connections, while this test's filter applies
        process.terminate()
        process.wait(timeout=20)
        log.close()


# httpcore leaves the socket of a connection the Chroma server closed to the collector.
@pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <socket\.socket:pytest.PytestUnraisableExceptionWarning"
)
def test_a_chroma_server_collection_is_exported_and_added_back(
    tmp_path: Path, chroma_server: str
) -> None:
    settings = make_settings(tmp_path / "data", chroma=chroma_server)
    made = populate(settings)
    store = made.container.store
    records, found = chroma_records(store), searches(store)
    out = tmp_path / "server.tar.gz"
    manifest = create_backup(settings, out).manifest
    assert manifest.chroma == "server" and "chroma.jsonl" in {e.path for e in manifest.files}

    store.delete_document(made.document_id)
    assert chroma_records(store) != records
    restore_backup(settings, out, force=True)
    made.container.engine.dispose()
    backup.close_chroma_client(store._client)

    with backup.chroma_server(chroma_server) as client:
        restored = KnowledgeStore(client, store.embedder)
        assert searches(restored) == found
        again = chroma_records(restored)
        assert [c.name for c in client.list_collections()] == [manifest.collection]
    assert {k: v[:2] for k, v in again.items()} == {k: v[:2] for k, v in records.items()}
    for chunk_id, (_, _, vector) in records.items():
        # The server normalises a cosine collection's vectors as they are added: equal to
        # float32 precision, not to the bit.
        assert np.allclose(again[chunk_id][2], vector, rtol=0, atol=1e-6)


# --- the commands -------------------------------------------------------------------------


def kefu_run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KEFU, *args], env=env, cwd=cwd, capture_output=True, text=True)


def test_the_commands(source: Source, tmp_path: Path) -> None:
    env = server_env(source.settings.data_dir)
    made = kefu_run(env, tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    [archive] = tmp_path.glob("kefu-backup-*Z.tar.gz")
    assert f"Wrote {archive}" in made.stdout and "vault key" in made.stdout
    key = (source.settings.data_dir / "vault.key").read_text().strip()
    assert key not in made.stdout + made.stderr

    restored = server_env(tmp_path / "restored")
    done = kefu_run(restored, tmp_path, "restore", archive.name)
    assert done.returncode == 0, done.stderr
    assert "Restored the backup" in done.stdout and key not in done.stdout + done.stderr
    assert sqlite_tables(tmp_path / "restored" / "kefu.db") == sqlite_tables(
        source.settings.data_dir / "kefu.db"
    )

    again = kefu_run(restored, tmp_path, "restore", archive.name)
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
