"""The ``kefu`` command: serve, ingest, keys."""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.config import Settings

# Nothing is ever fetched from a model hub. OMP_WAIT_POLICY stays at its default: PASSIVE
# makes llama.cpp's OpenMP threads sleep between its per-layer barriers and halves generation.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.core.config import get_settings
    from app.core.logging import configure_logging

    settings = get_settings()  # a bad setting stops here, said plainly, before any worker
    configure_logging(settings.log_level, settings.log_format)  # this process logs too
    if args.workers > 1:
        if not settings.chroma:
            print(
                "kefu serve --workers needs a Chroma server (KEFU_CHROMA=http://host:port): "
                "a Chroma folder is opened by one process at a time",
                file=sys.stderr,
            )
            return 2
        _migrate(settings)  # once, before workers that would race to do it
    _check_vault_key(settings)  # in development each worker would otherwise make a key
    # Kefu's own logging (JSON with request ids) and access log replace uvicorn's. The client
    # address comes from X-Forwarded-For only when the peer is a trusted proxy.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )
    return 0


def _migrate(settings: "Settings") -> None:
    from app.core.db import create_db_engine, migrate

    engine = create_db_engine(settings.resolved_database_url)
    migrate(engine)
    engine.dispose()


def _check_vault_key(settings: "Settings") -> None:
    """A wrong or missing vault key stops `kefu serve` here, said plainly (in development the
    key file is made)."""
    from app.services.vault import load_vault_key

    load_vault_key(
        settings.vault_key,
        settings.data_dir / "vault.key",
        production=settings.environment == "production",
    )


def _ingest(args: argparse.Namespace) -> int:
    from app.container import build_knowledge
    from app.core.config import get_settings
    from ingest.errors import IngestError
    from ingest.pipeline import expand_paths

    container = build_knowledge(get_settings())
    failures = 0
    for path in expand_paths(Path(p) for p in args.paths):
        try:
            result = container.pipeline.ingest_bytes(path.name, path.read_bytes())
        except IngestError as exc:
            failures += 1
            print(f"FAILED  {path}: {exc}", file=sys.stderr)
            continue
        print(f"{result.status:<9} {result.filename}  ({result.chunks} chunks, id {result.id})")
        if result.personal_data:
            found = ", ".join(f"{n} {kind}" for kind, n in result.personal_data.items())
            print(f"          personal data to check: {found}", file=sys.stderr)
    return 1 if failures else 0


def _keys_create(args: argparse.Namespace) -> int:
    from app.core.config import get_settings
    from app.core.db import create_db_engine, migrate
    from app.db.models import Role
    from app.services.keys import create_api_key

    engine = create_db_engine(get_settings().resolved_database_url)
    migrate(engine)
    print(create_api_key(engine, Role(args.role), args.name or ""))
    return 0


def _report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from functools import partial

    from app.analytics.periods import InvalidPeriod, parse_period
    from app.analytics.reports import ReportArchive, Reports, intent_accuracy
    from app.core.config import get_settings
    from app.core.db import create_db_engine, migrate

    try:
        period = parse_period(args.period)
    except InvalidPeriod:
        print(f"kefu report: {args.period!r} is not a month (2026-11) or a quarter (2026-Q4)")
        return 2
    settings = get_settings()
    engine = create_db_engine(settings.resolved_database_url)
    migrate(engine)
    reports = Reports(
        engine,
        ReportArchive(settings.reports_dir),
        settings.zone,
        evaluate_intents=partial(intent_accuracy, settings.intent_model),
    )
    if period.start > reports.today():
        print(f"kefu report: the period {period.key} has not started yet", file=sys.stderr)
        return 2
    content = reports.get(period, args.lang or settings.report_language, args.format)
    if args.out:
        args.out.write_bytes(content)
        print(f"{args.out} ({len(content)} bytes, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    elif args.format == "pdf":
        sys.stdout.buffer.write(content)
    else:
        print(content.decode())
    return 0


def _backup(args: argparse.Namespace) -> int:
    from app.core.config import get_settings
    from app.services.backup import BackupError, create_backup, default_archive_name

    out = args.out if args.out is not None else Path(default_archive_name())
    try:
        result = create_backup(get_settings(), out)
    except BackupError as exc:
        print(f"kefu backup: {exc}", file=sys.stderr)
        return exc.exit_code
    print("\n".join(result.lines()))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from app.core.config import get_settings
    from app.services.backup import BackupError, restore_backup

    try:
        result = restore_backup(get_settings(), args.archive, force=args.force)
    except BackupError as exc:
        print(f"kefu restore: {exc}", file=sys.stderr)
        return exc.exit_code
    print("\n".join(result.lines()))
    for warning in result.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    return 0


def _eval_intents(args: argparse.Namespace) -> int:
    from evals.run import run_intents

    return run_intents(args)


def _eval_escalation(args: argparse.Namespace) -> int:
    from evals.run import run_escalation

    return run_escalation(args)


def _eval_rag(args: argparse.Namespace) -> int:
    from evals.run import run_rag

    return run_rag(args)


def _eval_pii(args: argparse.Namespace) -> int:
    from evals.run import run_pii

    return run_pii(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu", description="Kefu AI customer service")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, each with its own model (share state: see the README)",
    )
    serve.set_defaults(handler=_serve)

    ingest = commands.add_parser("ingest", help="add files or folders to the knowledge base")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.set_defaults(handler=_ingest)

    keys = commands.add_parser("keys", help="manage API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="print a new API key")
    create.add_argument("--role", required=True, choices=["agent", "staff", "admin"])
    create.add_argument("--name", default="")
    create.set_defaults(handler=_keys_create)

    report = commands.add_parser("report", help="a monthly or quarterly report")
    report.add_argument("--period", required=True, help="a month (2026-11) or quarter (2026-Q4)")
    report.add_argument("--format", choices=["json", "html", "pdf"], default="json")
    report.add_argument("--lang", choices=["zh", "en"], default=None)
    report.add_argument("--out", type=Path, default=None, metavar="FILE")
    report.set_defaults(handler=_report)

    backup = commands.add_parser(
        "backup", help="write a snapshot of the database, checkpoints, knowledge base and vault"
    )
    backup.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="the .tar.gz to write (default: kefu-backup-<UTC time>.tar.gz in this folder)",
    )
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="put a snapshot from kefu backup back (stop the server first)"
    )
    restore.add_argument("archive", type=Path, metavar="FILE")
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace the data that is there (the replaced data folder is kept beside it)",
    )
    restore.set_defaults(handler=_restore)

    evaluate = commands.add_parser("eval", help="offline evaluations")
    eval_commands = evaluate.add_subparsers(dest="eval_command", required=True)
    intents = eval_commands.add_parser("intents", help="intent accuracy on a text,label CSV")
    from evals.run import add_intent_arguments

    add_intent_arguments(intents)
    intents.set_defaults(handler=_eval_intents)
    escalation = eval_commands.add_parser(
        "escalation", help="hand-over precision and recall on labelled conversations"
    )
    from evals.run import add_escalation_arguments

    add_escalation_arguments(escalation)
    escalation.set_defaults(handler=_eval_escalation)
    rag = eval_commands.add_parser(
        "rag", help="retrieval, key facts and abstention on a shop's documents"
    )
    from evals.run import add_rag_arguments

    add_rag_arguments(rag)
    rag.set_defaults(handler=_eval_rag)
    pii = eval_commands.add_parser("pii", help="redaction precision and recall per entity type")
    from evals.run import add_pii_arguments

    add_pii_arguments(pii)
    pii.set_defaults(handler=_eval_pii)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from app.services.vault import VaultKeyError

    try:
        return int(args.handler(args))
    except ValidationError as exc:  # the settings (KEFU_* variables or .env) do not hold
        print(f"kefu: the settings are not valid: {exc}", file=sys.stderr)
        return 2
    except VaultKeyError as exc:
        print(f"kefu: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
