"""Snapshots of everything Kefu keeps, and putting one back (``kefu backup``, ``kefu restore``).

A snapshot is one ``.tar.gz``: the relational database (SQLite copied with the online backup
API, so the copy is consistent while the server runs; PostgreSQL through ``pg_dump``),
LangGraph's checkpoints, the Chroma knowledge store (its folder, or a JSON-lines export of a
Chroma server's collection), the vault key file and the kept reports. Its ``manifest.json``
records Kefu's version, the database's Alembic revision, the embedder and collection, and the
size and SHA-256 of every file.

A restore checks every file against the manifest and the revision against the code before it
changes anything, builds the new state in a folder next to the data folder and then swaps the
two (PostgreSQL is restored in one transaction, a Chroma server's collection under a temporary
name), so a restore that fails leaves the old data in place. The replaced data folder is kept
beside the restored one.
"""

import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Annotated, Any, Literal

import httpx
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.core.config import Settings
from app.core.db import MIGRATIONS_DIR, create_db_engine, migrate
from ingest.store import collection_name, create_chroma_client
from models.assemble import sha256_of

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_SQLITE = "database/kefu.db"
DATABASE_SQL = "database/kefu.sql"
CHECKPOINTS_SQLITE = "checkpoints/checkpoints.db"
CHECKPOINTS_SQL = "checkpoints/checkpoints.sql"
CHROMA_FOLDER = "chroma"
CHROMA_EXPORT = "chroma.jsonl"
CHROMA_SQLITE = "chroma.sqlite3"
VAULT_KEY = "vault.key"
REPORTS = "reports"
# The tables LangGraph's PostgreSQL checkpointer creates.
LANGGRAPH_TABLES = ("checkpoint_blobs", "checkpoint_migrations", "checkpoint_writes", "checkpoints")
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
COPY_BLOCK = 1 << 20
EXPORT_BATCH = 500
MAX_MANIFEST_BYTES = 16 << 20
LOCK_TIMEOUT_SECONDS = 30.0


class BackupError(Exception):
    """A backup or restore that could not be done; ``exit_code`` is the command's."""

    exit_code = 1


class BadInput(BackupError):
    """The archive, the target or the options are wrong: exit code 2."""

    exit_code = 2


class DamagedArchive(BadInput):
    """The archive cannot be read or does not match its manifest."""


class RestoreRefused(BadInput):
    """The restore would overwrite data, or the archive does not fit this Kefu."""


# --- where the state lives ------------------------------------------------------------------


@dataclass(frozen=True)
class SqliteFile:
    path: Path


@dataclass(frozen=True)
class Postgres:
    url: str

    def libpq(self) -> tuple[str, dict[str, str]]:
        """A libpq URI without the password, and the environment that carries the password
        (so it never shows in a process list)."""
        url = make_url(self.url)
        env = {"PGPASSWORD": url.password} if url.password else {}
        bare = url.set(drivername="postgresql", password=None)
        return bare.render_as_string(hide_password=False), env

    def shown(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def same_database(self, other: "Postgres") -> bool:
        mine, theirs = make_url(self.url), make_url(other.url)
        return (mine.host or "localhost", mine.port or 5432, mine.database, mine.username) == (
            theirs.host or "localhost",
            theirs.port or 5432,
            theirs.database,
            theirs.username,
        )


@dataclass(frozen=True)
class InDatabase:
    """LangGraph's checkpoint tables live in the relational PostgreSQL database."""


Database = SqliteFile | Postgres
Checkpoints = SqliteFile | Postgres | InDatabase


@dataclass(frozen=True)
class Layout:
    """Where one configuration keeps its state."""

    data_dir: Path
    database: Database
    checkpoints: Checkpoints
    chroma_server: str  # empty: the local folder
    embedder: str
    vault_key: str  # the configured key; empty: DATA_DIR/vault.key

    @property
    def chroma_folder(self) -> Path:
        return self.data_dir / CHROMA_FOLDER

    @property
    def vault_key_file(self) -> Path:
        return self.data_dir / VAULT_KEY

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / REPORTS

    @property
    def collection(self) -> str:
        # An embedder's name is its spec ("use-multilingual", "sentence-transformers:..."),
        # so the collection is known without loading the model.
        return collection_name(self.embedder)


def database_location(url: str) -> Database:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadInput(f"KEFU_DATABASE_URL is not a database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return Postgres(url)
    if backend != "sqlite":
        raise BadInput(f"only SQLite and PostgreSQL databases can be backed up, not {backend}")
    if not parsed.database or parsed.database == ":memory:":
        raise BadInput("an in-memory SQLite database cannot be backed up or restored")
    return SqliteFile(Path(parsed.database).resolve())


def checkpoint_location(target: str, database: Database) -> Checkpoints:
    if target.startswith(("postgresql://", "postgres://")):
        checkpoints = Postgres("postgresql://" + target.split("://", 1)[1])
        if isinstance(database, Postgres) and checkpoints.same_database(database):
            return InDatabase()
        return checkpoints
    if "://" in target:
        raise BadInput(
            f"KEFU_CHECKPOINT_URL must be a SQLite file or postgresql://, not {target!r}"
        )
    return SqliteFile(Path(target).resolve())


def layout_of(settings: Settings) -> Layout:
    database = database_location(settings.resolved_database_url)
    return Layout(
        data_dir=settings.data_dir.resolve(),
        database=database,
        checkpoints=checkpoint_location(settings.resolved_checkpoint_url, database),
        chroma_server=settings.chroma,
        embedder=settings.embedder,
        vault_key=settings.vault_key,
    )


# --- the manifest ---------------------------------------------------------------------------


class ManifestFile(BaseModel):
    path: str
    size: int = Field(ge=0)
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Manifest(BaseModel):
    archive_format: int
    kefu_version: str
    created_at: datetime
    alembic_revision: str | None
    alembic_head: str | None
    embedder: str
    collection: str
    database: Literal["sqlite", "postgresql"]
    checkpoints: Literal["sqlite", "postgresql", "in-database", "none"]
    chroma: Literal["folder", "server"]
    vault_key: Literal["file", "environment", "none"]
    vault_key_check: str  # a fingerprint that tells keys apart and reveals nothing of them
    files: list[ManifestFile]


@dataclass(frozen=True)
class Part:
    """One piece of a snapshot, as the command reports it."""

    name: str
    kind: str
    description: str


def kefu_version() -> str:
    try:
        return metadata.version("kefu")
    except metadata.PackageNotFoundError:
        return "unknown"


def code_revisions() -> tuple[str | None, set[str]]:
    """The newest Alembic revision this code knows, and all it knows."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head(), {rev.revision for rev in script.walk_revisions()}


def key_check(key: str | bytes) -> str:
    raw = key.encode() if isinstance(key, str) else key
    return hashlib.sha256(b"kefu-backup-vault-key-check:" + raw.strip()).hexdigest()[:16]


def human_size(size: int) -> str:
    amount = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} bytes"


# --- copying live stores --------------------------------------------------------------------


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL or not) with the online backup API,
    read inside one read transaction; the copy is a single file that passes a quick check."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        reader = sqlite3.connect(
            f"{source.as_uri()}?mode=ro",
            uri=True,
            timeout=LOCK_TIMEOUT_SECONDS,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the SQLite database {source}: {exc}") from exc
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()  # holds the snapshot
        copy = sqlite3.connect(target)
        try:
            reader.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
        reader.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the SQLite database {source}: {exc}") from exc
    finally:
        reader.close()
    if verdict != "ok":
        raise BackupError(f"the copy of {source} fails SQLite's check: {verdict}")


@contextmanager
def write_lock(database: Path) -> Iterator[None]:
    """Holds SQLite's write lock on ``database`` (readers carry on, writers wait)."""
    if not database.is_file():
        yield
        return
    with closing(
        sqlite3.connect(database, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
    ) as lock:
        try:
            lock.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise BackupError(f"cannot lock {database} for a moment: {exc}") from exc
        try:
            yield
        finally:
            lock.execute("ROLLBACK")


def copy_stable(source: Path, target: Path, attempts: int = 5) -> None:
    """Copy a file, again while it changed under the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        before = source.stat()
        shutil.copyfile(source, target)
        after = source.stat()
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
            return
    raise BackupError(f"{source} kept changing while it was copied; try again")


def copy_chroma_folder(folder: Path, target: Path) -> int | None:
    """Chroma's SQLite file through the backup API and its index files, all while Chroma's write
    lock is held, so the log in the SQLite file covers everything the index files hold; the
    number of chunks stored (None when it cannot be told)."""
    target.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        return 0
    database = folder / CHROMA_SQLITE
    with write_lock(database):
        if database.is_file():
            copy_sqlite(database, target / CHROMA_SQLITE)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(CHROMA_SQLITE):
                copy_stable(path, target / path.relative_to(folder))
    return count_embeddings(target / CHROMA_SQLITE)


def count_embeddings(database: Path) -> int | None:
    if not database.is_file():
        return 0
    try:
        with closing(sqlite3.connect(database)) as connection:
            return int(connection.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:
        return None


@contextmanager
def chroma_server(server: str) -> Iterator[Any]:
    """A client of the Chroma server at ``server``, closed afterwards with its connection pool
    (Chroma's own close leaves the pool's sockets open)."""
    from chromadb.errors import ChromaError

    try:
        client = create_chroma_client(server, Path())
    except Exception as exc:  # chromadb says it cannot connect with a ValueError
        raise BackupError(f"cannot reach the Chroma server {server}: {exc}") from exc
    try:
        yield client
    except (ChromaError, httpx.HTTPError) as exc:
        raise BackupError(f"the Chroma server {server} failed: {exc}") from exc
    finally:
        close_chroma_client(client)


def close_chroma_client(client: Any) -> None:
    session = getattr(getattr(client, "_server", None), "_session", None)
    client.close()
    if session is not None:
        session.close()


def open_collection(client: Any, name: str) -> Any | None:
    from chromadb.errors import NotFoundError

    try:
        return client.get_collection(name=name, embedding_function=None)
    except NotFoundError:
        return None


def export_collection(server: str, name: str, target: Path) -> int:
    """Every record of a server's collection (id, document, metadata, embedding) as JSON lines."""
    count = 0
    with chroma_server(server) as client, target.open("w", encoding="utf-8") as out:
        collection = open_collection(client, name)
        while collection is not None and (page := export_page(collection, count)):
            out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in page)
            count += len(page)
    return count


def export_page(collection: Any, offset: int) -> list[dict[str, Any]]:
    page = collection.get(
        include=["documents", "metadatas", "embeddings"], limit=EXPORT_BATCH, offset=offset
    )
    return [
        export_record(*record)
        for record in zip(
            page["ids"], page["documents"], page["metadatas"], page["embeddings"], strict=True
        )
    ]


def export_record(chunk_id: str, document: Any, meta: Any, embedding: Any) -> dict[str, Any]:
    return {
        "id": chunk_id,
        "document": document,
        "metadata": dict(meta) if meta else None,
        "embedding": [float(value) for value in embedding],
    }


def import_records(collection: Any, export: Path) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    with export.open(encoding="utf-8") as lines:
        for line in lines:
            batch.append(json.loads(line))
            if len(batch) == EXPORT_BATCH:
                count += add_records(collection, batch)
                batch = []
    return count + add_records(collection, batch)


def add_records(collection: Any, records: list[dict[str, Any]]) -> int:
    if records:
        collection.add(
            ids=[r["id"] for r in records],
            embeddings=[r["embedding"] for r in records],
            documents=[r["document"] for r in records],
            metadatas=[r["metadata"] for r in records],
        )
    return len(records)


def collection_size(server: str, name: str) -> int:
    with chroma_server(server) as client:
        collection = open_collection(client, name)
        return 0 if collection is None else int(collection.count())


# --- PostgreSQL -----------------------------------------------------------------------------


def tool(name: str, purpose: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is needed {purpose} and is not on PATH: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) of the server's version or newer"
        )
    return found


def run_tool(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        detail = "\n".join(done.stderr.strip().splitlines()[-6:]) or f"exit code {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed:\n{detail}")


def pg_dump(database: Postgres, target: Path) -> None:
    """The whole database as a plain SQL script that drops what it creates first."""
    program = tool("pg_dump", "to back up a PostgreSQL database")
    target.parent.mkdir(parents=True, exist_ok=True)
    uri, env = database.libpq()
    run_tool(
        [
            program,
            "--format=plain",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            f"--file={target}",
            f"--dbname={uri}",
        ],
        env,
    )


def psql_restore(database: Postgres, dump: Path, tables: Iterable[str]) -> None:
    """Drop Kefu's tables and run the dump, in one transaction: all or nothing."""
    program = tool("psql", "to restore a PostgreSQL database")
    prelude = dump.with_name(dump.name + ".prelude.sql")
    prelude.write_text(
        "".join(f'DROP TABLE IF EXISTS public."{table}" CASCADE;\n' for table in sorted(tables))
    )
    uri, env = database.libpq()
    run_tool(
        [
            program,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--output={os.devnull}",
            f"--dbname={uri}",
            f"--file={prelude}",
            f"--file={dump}",
        ],
        env,
    )


def kefu_tables() -> set[str]:
    """Every table Kefu's schema and LangGraph's checkpointer make."""
    from sqlmodel import SQLModel

    import app.db.models  # noqa: F401  (registers the tables)

    return {*SQLModel.metadata.tables, "alembic_version", *LANGGRAPH_TABLES}


def postgres_tables(database: Postgres) -> set[str]:
    engine = create_db_engine(database.url)
    try:
        return set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the PostgreSQL database {database.shown()}: {exc}") from exc
    finally:
        engine.dispose()


def postgres_revision(database: Postgres) -> str | None:
    engine = create_db_engine(database.url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return None if found is None else str(found)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the PostgreSQL database {database.shown()}: {exc}") from exc
    finally:
        engine.dispose()


def sqlite_revision(database: Path) -> str | None:
    with closing(sqlite3.connect(database)) as connection:
        row = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if row is None:
            return None
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if found is None else str(found[0])


def migrate_sqlite(database: Path) -> None:
    """Migrate a SQLite file and fold its write-ahead log back in, so it is one file again."""
    migrate_url(f"sqlite:///{database}")
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")


def migrate_url(url: str) -> None:
    engine = create_db_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


# --- making a snapshot ----------------------------------------------------------------------


@dataclass
class BackupResult:
    archive: Path
    size: int
    manifest: Manifest
    parts: list[Part]

    def lines(self) -> list[str]:
        shown = [f"  {part.name:<12} {part.description}" for part in self.parts]
        return [
            *shown,
            f"Wrote {self.archive} ({human_size(self.size)}, {len(self.manifest.files)} files).",
            "It holds personal data"
            + (" and the vault key" if self.manifest.vault_key == "file" else "")
            + ": keep it as safe as the data folder.",
        ]


def default_archive_name(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"kefu-backup-{moment:%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(settings: Settings, out: Path, now: datetime | None = None) -> BackupResult:
    """Write a snapshot of everything ``settings`` points at to the archive ``out``."""
    layout = layout_of(settings)
    out = out.resolve()
    if out.exists():
        raise BadInput(f"{out} exists already; choose another file name")
    if not out.parent.is_dir():
        raise BadInput(f"the folder {out.parent} does not exist")
    try:
        with tempfile.TemporaryDirectory(prefix=".kefu-backup-", dir=out.parent) as work:
            return snapshot(layout, Path(work), out, now or datetime.now(UTC))
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
        raise BackupError(f"the backup failed: {exc}") from exc


def snapshot(layout: Layout, stage: Path, out: Path, now: datetime) -> BackupResult:
    database = snapshot_database(layout.database, stage)
    checkpoints = snapshot_checkpoints(layout.checkpoints, stage)
    chroma = snapshot_chroma(layout, stage)
    vault = snapshot_vault_key(layout, stage)
    reports = snapshot_reports(layout.reports_dir, stage)
    revision = (
        sqlite_revision(stage / DATABASE_SQLITE)
        if isinstance(layout.database, SqliteFile)
        else postgres_revision(layout.database)
    )
    head, _ = code_revisions()
    manifest = Manifest.model_validate(
        {
            "archive_format": ARCHIVE_FORMAT,
            "kefu_version": kefu_version(),
            "created_at": now,
            "alembic_revision": revision,
            "alembic_head": head,
            "embedder": layout.embedder,
            "collection": layout.collection,
            "database": database.kind,
            "checkpoints": checkpoints.kind,
            "chroma": chroma.kind,
            "vault_key": vault.kind,
            "vault_key_check": vault_key_check(layout),
            "files": hash_files(stage),
        }
    )
    write_archive(stage, manifest, out)
    described = Part(database.name, database.kind, f"{database.description}, revision {revision}")
    parts = [described, checkpoints, chroma, vault, reports]
    return BackupResult(out, out.stat().st_size, manifest, parts)


def snapshot_database(database: Database, stage: Path) -> Part:
    if isinstance(database, Postgres):
        pg_dump(database, stage / DATABASE_SQL)
        return Part("database", "postgresql", f"PostgreSQL {database.shown()} (pg_dump)")
    if not database.path.is_file():
        raise BadInput(
            f"there is no database at {database.path}: is KEFU_DATA_DIR (or KEFU_DATABASE_URL) "
            "the one the server uses?"
        )
    copy_sqlite(database.path, stage / DATABASE_SQLITE)
    return Part("database", "sqlite", f"SQLite {database.path.name}")


def snapshot_checkpoints(checkpoints: Checkpoints, stage: Path) -> Part:
    if isinstance(checkpoints, InDatabase):
        return Part("checkpoints", "in-database", "in the PostgreSQL database")
    if isinstance(checkpoints, Postgres):
        pg_dump(checkpoints, stage / CHECKPOINTS_SQL)
        return Part("checkpoints", "postgresql", f"PostgreSQL {checkpoints.shown()} (pg_dump)")
    if not checkpoints.path.is_file():
        return Part("checkpoints", "none", "none yet")
    copy_sqlite(checkpoints.path, stage / CHECKPOINTS_SQLITE)
    return Part("checkpoints", "sqlite", f"SQLite {checkpoints.path.name}")


def snapshot_chroma(layout: Layout, stage: Path) -> Part:
    if layout.chroma_server:
        count = export_collection(layout.chroma_server, layout.collection, stage / CHROMA_EXPORT)
        return Part(
            "knowledge",
            "server",
            f"{count} chunks of {layout.collection} on {layout.chroma_server}",
        )
    chunks = copy_chroma_folder(layout.chroma_folder, stage / CHROMA_FOLDER)
    counted = "" if chunks is None else f", {chunks} chunks"
    return Part("knowledge", "folder", f"Chroma folder{counted} ({layout.collection})")


def snapshot_vault_key(layout: Layout, stage: Path) -> Part:
    if layout.vault_key:
        return Part("vault key", "environment", "KEFU_VAULT_KEY is set: not in the archive")
    if not layout.vault_key_file.is_file():
        return Part("vault key", "none", "none yet")
    target = stage / VAULT_KEY
    shutil.copyfile(layout.vault_key_file, target)
    target.chmod(0o600)
    return Part("vault key", "file", VAULT_KEY)


def vault_key_check(layout: Layout) -> str:
    if layout.vault_key:
        return key_check(layout.vault_key)
    if layout.vault_key_file.is_file():
        return key_check(layout.vault_key_file.read_bytes())
    return ""


def snapshot_reports(reports: Path, stage: Path) -> Part:
    kept = sorted(p for p in reports.rglob("*") if p.is_file() and p.suffix != ".part")
    for path in kept:
        copy_stable(path, stage / REPORTS / path.relative_to(reports))
    return Part("reports", "folder", f"{len(kept)} kept")


def hash_files(stage: Path) -> list[dict[str, Any]]:
    return [
        {
            "path": path.relative_to(stage).as_posix(),
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        for path in sorted(p for p in stage.rglob("*") if p.is_file())
    ]


def write_archive(stage: Path, manifest: Manifest, out: Path) -> None:
    """The manifest first, then the files; written under another name and renamed when whole,
    readable by its owner only."""
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    mtime = int(manifest.created_at.timestamp())
    body = manifest.model_dump_json(indent=2).encode()
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with (
            os.fdopen(descriptor, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar,
        ):
            add_member(tar, MANIFEST, io.BytesIO(body), len(body), mtime)
            for entry in manifest.files:
                with (stage / entry.path).open("rb") as handle:
                    add_member(tar, entry.path, handle, entry.size, mtime)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def add_member(tar: tarfile.TarFile, name: str, content: IO[bytes], size: int, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    tar.addfile(info, content)


# --- reading an archive ---------------------------------------------------------------------


def extract_verified(archive: Path, into: Path) -> Manifest:
    """Unpack ``archive`` into ``into`` and check it against its manifest: every listed file
    there with its size and SHA-256, and nothing else."""
    into.mkdir(parents=True, exist_ok=True)
    found: dict[str, tuple[int, str]] = {}
    raw: bytes | None = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = member_name(member, archive)
                stream = tar.extractfile(member) if member.isfile() else None
                if stream is None:
                    continue
                if name == MANIFEST:
                    raw = stream.read(MAX_MANIFEST_BYTES)
                elif name in found:
                    raise DamagedArchive(f"{archive} holds {name} twice")
                else:
                    found[name] = write_hashing(stream, into / name)
            drain(tar)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DamagedArchive(
            f"{archive} is damaged or not a Kefu backup ({exc or type(exc).__name__})"
        ) from exc
    manifest = parse_manifest(raw, archive)
    compare_files(manifest, found, archive)
    return manifest


def drain(tar: tarfile.TarFile) -> None:
    """Read the compressed stream to its end, so gzip checks its CRC of all of it."""
    if tar.fileobj is not None:
        while tar.fileobj.read(COPY_BLOCK):
            pass


def member_name(member: tarfile.TarInfo, archive: Path) -> str:
    path = PurePosixPath(member.name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or not (member.isfile() or member.isdir())
    ):
        raise DamagedArchive(f"{archive} holds an entry a backup never has: {member.name!r}")
    return path.as_posix()


def write_hashing(stream: IO[bytes], target: Path) -> tuple[int, str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("xb") as out:
        while block := stream.read(COPY_BLOCK):
            digest.update(block)
            out.write(block)
            size += len(block)
    return size, digest.hexdigest()


def parse_manifest(raw: bytes | None, archive: Path) -> Manifest:
    if raw is None:
        raise DamagedArchive(f"{archive} has no {MANIFEST}: it is not a Kefu backup")
    try:
        manifest = Manifest.model_validate_json(raw)
    except ValidationError as exc:
        raise DamagedArchive(f"the {MANIFEST} of {archive} is damaged: {exc}") from exc
    if manifest.archive_format != ARCHIVE_FORMAT:
        raise RestoreRefused(
            f"{archive} is a backup of format {manifest.archive_format} (made by Kefu "
            f"{manifest.kefu_version}); this Kefu reads format {ARCHIVE_FORMAT}"
        )
    return manifest


def compare_files(manifest: Manifest, found: dict[str, tuple[int, str]], archive: Path) -> None:
    expected = {entry.path: (entry.size, entry.sha256) for entry in manifest.files}
    problems = [
        *(f"{name} is missing" for name in sorted(expected.keys() - found.keys())),
        *(f"{name} is not in the manifest" for name in sorted(found.keys() - expected.keys())),
        *(
            f"{name} does not match its SHA-256"
            for name in sorted(expected.keys() & found.keys())
            if expected[name] != found[name]
        ),
    ]
    if problems:
        shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        raise DamagedArchive(f"{archive} does not match its manifest: {shown}")


# --- restoring ------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    data_dir: Path
    manifest: Manifest
    migrated_from: str | None
    kept: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        made = self.manifest.created_at.astimezone(UTC)
        lines = [
            f"Restored the backup of {made:%Y-%m-%d %H:%M} UTC (Kefu {self.manifest.kefu_version},"
            f" {len(self.manifest.files)} files checked) into {self.data_dir}.",
        ]
        if self.migrated_from is not None:
            lines.append(f"The database was migrated from revision {self.migrated_from}.")
        lines.extend(
            f"The data it replaced is kept in {path}; delete it when you no longer need it."
            for path in self.kept
        )
        return lines


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> RestoreResult:
    """Put the snapshot ``archive`` back where ``settings`` keep their state. Stop the server
    first: the data folder is replaced under it."""
    layout = layout_of(settings)
    if not archive.is_file():
        raise BadInput(f"{archive} is not a file")
    if layout.data_dir.exists() and not layout.data_dir.is_dir():
        raise BadInput(f"{layout.data_dir} is not a folder")
    try:
        parent = workspace_parent(layout.data_dir)
        parent.mkdir(parents=True, exist_ok=True)
        workspace = Path(tempfile.mkdtemp(prefix=f".{layout.data_dir.name}.restore-", dir=parent))
    except OSError as exc:
        raise BackupError(f"cannot make a folder to restore into: {exc}") from exc
    try:
        return restore_into(layout, archive.resolve(), workspace, force)
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
        raise BackupError(f"the restore failed: {exc}") from exc
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def workspace_parent(data_dir: Path) -> Path:
    """Next to the data folder, or inside it when it is a mount of its own (a container's
    volume), so that the swap is a rename on one file system."""
    if data_dir.is_dir() and data_dir.stat().st_dev != data_dir.parent.stat().st_dev:
        return data_dir
    return data_dir.parent


def restore_into(layout: Layout, archive: Path, workspace: Path, force: bool) -> RestoreResult:
    extracted = workspace / "archive"
    manifest = extract_verified(archive, extracted)
    check_fits(manifest, layout)
    check_revision(manifest)
    occupied = occupied_by(layout, workspace, manifest.collection)
    if occupied and not force:
        raise RestoreRefused(
            "there is data here already: "
            + "; ".join(occupied)
            + ". Stop Kefu and run again with --force to replace it (the data folder it "
            "replaces is kept beside the restored one)"
        )
    fresh = workspace / "data"
    externals = stage_files(manifest, layout, extracted, fresh)
    head, _ = code_revisions()
    migrated_from = manifest.alembic_revision if manifest.alembic_revision != head else None
    restore_servers(manifest, layout, extracted)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    kept = [path for staged, target in externals if (path := replace_file(staged, target, stamp))]
    if (folder := swap_data_folder(fresh, layout.data_dir, stamp, workspace)) is not None:
        kept.append(folder)
    return RestoreResult(layout.data_dir, manifest, migrated_from, kept, warnings(manifest, layout))


def kind_of(location: Database | Checkpoints) -> str:
    if isinstance(location, InDatabase):
        return "in-database"
    return "postgresql" if isinstance(location, Postgres) else "sqlite"


KIND_NAMES = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "in-database": "in the PostgreSQL database",
    "folder": "a local Chroma folder",
    "server": "a Chroma server",
}


def check_fits(manifest: Manifest, layout: Layout) -> None:
    """The archive's kinds of store are this configuration's."""
    pairs = [
        ("database", manifest.database, kind_of(layout.database), "KEFU_DATABASE_URL"),
        (
            "checkpoints",
            "sqlite" if manifest.checkpoints == "none" else manifest.checkpoints,
            kind_of(layout.checkpoints),
            "KEFU_CHECKPOINT_URL",
        ),
        (
            "knowledge base",
            manifest.chroma,
            "server" if layout.chroma_server else "folder",
            "KEFU_CHROMA",
        ),
    ]
    problems = [
        f"its {what} is {KIND_NAMES[theirs]}, this configuration's {KIND_NAMES[ours]} ({setting})"
        for what, theirs, ours, setting in pairs
        if theirs != ours
    ]
    if problems:
        raise RestoreRefused("the archive does not fit this configuration: " + "; ".join(problems))


def check_revision(manifest: Manifest) -> None:
    head, known = code_revisions()
    revision = manifest.alembic_revision
    if revision is not None and revision not in known:
        raise RestoreRefused(
            f"the archive's database is at schema revision {revision}, which this Kefu does not "
            f"know (its newest is {head}): it was made by a newer Kefu "
            f"({manifest.kefu_version}); restore it with that version or a later one"
        )


def occupied_by(layout: Layout, workspace: Path, collection: str) -> list[str]:
    """What a restore would overwrite, in words; empty when there is nothing."""
    found: list[str] = []
    if layout.data_dir.is_dir():
        entries = sorted(p.name for p in layout.data_dir.iterdir() if p != workspace)
        if entries:
            more = ", ..." if len(entries) > 4 else ""
            found.append(f"the data folder {layout.data_dir} ({', '.join(entries[:4])}{more})")
    for location in (layout.database, layout.checkpoints):
        if isinstance(location, SqliteFile) and not is_inside(location.path, layout.data_dir):
            if location.path.exists():
                found.append(f"the database file {location.path}")
        elif isinstance(location, Postgres) and postgres_tables(location) & kefu_tables():
            found.append(f"Kefu's tables in the PostgreSQL database {location.shown()}")
    if layout.chroma_server and collection_size(layout.chroma_server, collection):
        found.append(f"the collection {collection} on {layout.chroma_server}")
    return found


def is_inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def stage_files(
    manifest: Manifest, layout: Layout, extracted: Path, fresh: Path
) -> list[tuple[Path | None, Path]]:
    """The new data folder in ``fresh`` (the SQLite database migrated to this code's schema);
    the files that go elsewhere, as (staged file or None to remove, target)."""
    fresh.mkdir()
    externals: list[tuple[Path | None, Path]] = []

    def place(staged: Path | None, target: Path) -> None:
        if not is_inside(target, layout.data_dir):
            externals.append((staged, target))
        elif staged is not None:
            moved = fresh / target.resolve().relative_to(layout.data_dir)
            moved.parent.mkdir(parents=True, exist_ok=True)
            staged.rename(moved)

    if isinstance(layout.database, SqliteFile):
        migrate_sqlite(extracted / DATABASE_SQLITE)
        place(extracted / DATABASE_SQLITE, layout.database.path)
    if isinstance(layout.checkpoints, SqliteFile):
        staged = extracted / CHECKPOINTS_SQLITE
        place(staged if staged.is_file() else None, layout.checkpoints.path)
    for name in (CHROMA_FOLDER, VAULT_KEY, REPORTS):
        if (extracted / name).exists():
            (extracted / name).rename(fresh / name)
    if (fresh / VAULT_KEY).is_file():
        (fresh / VAULT_KEY).chmod(0o600)
    return externals


class StagedCollection:
    """A Chroma server's collection restored under a temporary name, renamed into place on
    commit, so a failure before then leaves the collection as it was."""

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self._name = name
        self._temporary = f"kefu-restore-{secrets.token_hex(6)}"
        self._collection = self._client.create_collection(
            name=self._temporary,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def load(self, export: Path) -> int:
        return import_records(self._collection, export)

    def commit(self) -> None:
        if open_collection(self._client, self._name) is not None:
            self._client.delete_collection(self._name)
        self._collection.modify(name=self._name)
        self._temporary = ""

    def discard(self) -> None:
        if self._temporary:
            self._client.delete_collection(self._temporary)


def restore_servers(manifest: Manifest, layout: Layout, extracted: Path) -> None:
    """A Chroma server's collection (loaded first, renamed into place last) and PostgreSQL."""
    if not layout.chroma_server:
        restore_postgres(layout, extracted)
        return
    with chroma_server(layout.chroma_server) as client:
        staged = StagedCollection(client, manifest.collection)
        try:
            staged.load(extracted / CHROMA_EXPORT)
            restore_postgres(layout, extracted)
        except BaseException:
            staged.discard()
            raise
        staged.commit()


def restore_postgres(layout: Layout, extracted: Path) -> None:
    """Each PostgreSQL database in one transaction; the relational one then migrated."""
    if isinstance(layout.database, Postgres):
        psql_restore(layout.database, extracted / DATABASE_SQL, kefu_tables())
        migrate_url(layout.database.url)
    if isinstance(layout.checkpoints, Postgres):
        psql_restore(layout.checkpoints, extracted / CHECKPOINTS_SQL, LANGGRAPH_TABLES)


def replace_file(staged: Path | None, target: Path, stamp: str) -> Path | None:
    """Put ``staged`` (None: nothing) in the place of the SQLite file ``target``, whose old
    copy and side files are kept aside; where the old one is kept."""
    incoming = target.with_name(f".{target.name}.restoring")
    if staged is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged, incoming)
    kept = None
    if target.exists():
        kept = free_name(target.with_name(f"{target.name}.before-restore-{stamp}"))
        target.rename(kept)
    for suffix in SQLITE_SIDE_FILES:
        side = target.with_name(target.name + suffix)
        if side.exists() and kept is not None:
            side.rename(kept.with_name(kept.name + suffix))
        elif side.exists():
            side.unlink()
    if staged is not None:
        incoming.replace(target)
    return kept


def swap_data_folder(fresh: Path, data_dir: Path, stamp: str, workspace: Path) -> Path | None:
    """The restored folder in the data folder's place; where the replaced one is kept."""
    if not data_dir.exists():
        fresh.rename(data_dir)
        return None
    if workspace.parent == data_dir:
        return swap_entries(fresh, data_dir, stamp, workspace)
    if not any(data_dir.iterdir()):
        data_dir.rmdir()
        fresh.rename(data_dir)
        return None
    kept = free_name(data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}"))
    try:
        data_dir.rename(kept)
    except OSError:  # busy: a mount point on this file system; swap what is inside instead
        return swap_entries(fresh, data_dir, stamp, workspace)
    fresh.rename(data_dir)
    return kept


def swap_entries(fresh: Path, data_dir: Path, stamp: str, workspace: Path) -> Path | None:
    """Move what the data folder holds into a folder inside it, and the restored entries in."""
    entries = [path for path in data_dir.iterdir() if path != workspace]
    kept = None
    if entries:
        kept = free_name(data_dir / f".before-restore-{stamp}")
        kept.mkdir()
        for path in entries:
            path.rename(kept / path.name)
    for path in fresh.iterdir():
        path.rename(data_dir / path.name)
    return kept


def free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def warnings(manifest: Manifest, layout: Layout) -> list[str]:
    found: list[str] = []
    if manifest.embedder != layout.embedder:
        found.append(
            f"The knowledge base was built with the embedder {manifest.embedder} and this "
            f"configuration uses {layout.embedder}: set KEFU_EMBEDDER={manifest.embedder} to "
            "answer from it, or ingest the documents again."
        )
    configured = key_check(layout.vault_key) if layout.vault_key else ""
    if manifest.vault_key == "file" and configured and configured != manifest.vault_key_check:
        found.append(
            "KEFU_VAULT_KEY is set and is not the key restored to vault.key: Kefu uses "
            "KEFU_VAULT_KEY and cannot read the vault's values. Unset it to use the restored key."
        )
    if manifest.vault_key == "environment" and configured != manifest.vault_key_check:
        found.append(
            "The vault was encrypted with a KEFU_VAULT_KEY that is not in the archive"
            + (" and is not the one set here" if configured else "")
            + ": set that KEFU_VAULT_KEY, or the vault's values cannot be read."
        )
    return found
