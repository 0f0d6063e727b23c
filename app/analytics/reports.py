"""Monthly and quarterly reports: built from the analytics record, kept on disk once their
period is over, and made on schedule when a period ends.

A finished period's report is generated once and then served as kept, so what a manager
received stays what the archive shows. The running period is built fresh on every request.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from app.analytics.model import Period, Report
from app.analytics.periods import period_containing
from app.analytics.summary import summarise
from app.core.low_priority import run_when_idle

logger = logging.getLogger("kefu.reports")

ReportFormat = Literal["json", "html", "pdf"]
HOLDOUT = Path(__file__).resolve().parents[2] / "evals" / "data"
SCHEDULE_SECONDS = 3600


IntentEvaluator = Callable[[], dict[str, dict[str, float]] | None]


def intent_accuracy(
    model_path: Path | None = None, holdout_dir: Path = HOLDOUT
) -> dict[str, dict[str, float]] | None:
    """The intent model (the shipped one unless given) on the held-out sets: the quarterly
    report's evaluation. None when the sets are not there."""
    from evals.intents import evaluate
    from models.intents import SHIPPED_MODEL
    from models.intents.dataset import read_csv
    from models.intents.model import load_intent_model

    files = {lang: holdout_dir / f"intents_holdout_{lang}.csv" for lang in ("en", "zh")}
    if not all(path.is_file() for path in files.values()):
        return None
    model = load_intent_model(model_path or SHIPPED_MODEL)
    results: dict[str, dict[str, float]] = {}
    for lang, path in files.items():
        evaluation = evaluate(model, read_csv(path))
        results[lang] = {
            "accuracy": round(evaluation.accuracy, 4),
            "macro_f1": round(evaluation.macro_f1, 4),
            "n": evaluation.n,
        }
    return results


def build_report(
    engine: Engine,
    period: Period,
    zone: ZoneInfo,
    lang: str,
    *,
    now: datetime | None = None,
    evaluate_intents: IntentEvaluator = intent_accuracy,
) -> Report:
    now = now or datetime.now(UTC)
    previous = period.previous()
    return Report(
        period=period,
        summary=summarise(engine, period.start, period.end, zone, now=now),
        previous=summarise(engine, previous.start, previous.end, zone, now=now),
        generated_at=now,
        lang=lang,
        intent_accuracy=evaluate_intents() if period.kind == "quarter" else None,
    )


def render(report: Report, form: ReportFormat) -> bytes:
    if form == "json":
        return json.dumps(report.as_json(), ensure_ascii=False, indent=2).encode()
    from app.reports.render import render_html, render_pdf

    if form == "html":
        return render_html(report).encode()
    pdf: bytes = render_pdf(report)
    return pdf


def finished(period: Period, today: date) -> bool:
    return period.end <= today


class ReportArchive:
    """Reports of finished periods, one file per period, language and format."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, period: Period, lang: str, form: ReportFormat) -> Path:
        return self.directory / f"kefu-report-{period.key}.{lang}.{form}"

    def kept(self, period: Period, lang: str, form: ReportFormat) -> bytes | None:
        path = self.path(period, lang, form)
        return path.read_bytes() if path.is_file() else None

    def keep(self, report: Report, form: ReportFormat, content: bytes) -> Path:
        path = self.path(report.period, report.lang, form)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(content)
        partial.replace(path)  # never a half-written report
        return path


class Reports:
    """What the API, the CLI and the schedule ask for."""

    def __init__(
        self,
        engine: Engine,
        archive: ReportArchive,
        zone: ZoneInfo,
        *,
        evaluate_intents: IntentEvaluator = intent_accuracy,
    ) -> None:
        self._engine = engine
        self.archive = archive
        self._zone = zone
        self._evaluate_intents = evaluate_intents

    def _build(self, period: Period, lang: str, now: datetime | None) -> Report:
        return build_report(
            self._engine, period, self._zone, lang, now=now, evaluate_intents=self._evaluate_intents
        )

    def today(self, now: datetime | None = None) -> date:
        return (now or datetime.now(UTC)).astimezone(self._zone).date()

    def get(
        self, period: Period, lang: str, form: ReportFormat, now: datetime | None = None
    ) -> bytes:
        """A finished period's kept report (made and kept on first request); the running
        period's report as of now."""
        done = finished(period, self.today(now))
        if done and (kept := self.archive.kept(period, lang, form)) is not None:
            return kept
        report = self._build(period, lang, now)
        content = render(report, form)
        if done:
            self.archive.keep(report, form, content)
        return content

    def make_due(self, lang: str, now: datetime | None = None) -> list[Path]:
        """The reports of the last finished month and quarter, in every format, unless kept
        already: what the schedule runs."""
        today = self.today(now)
        made: list[Path] = []
        for kind in ("month", "quarter"):
            period = period_containing(today, kind).previous()
            missing: list[ReportFormat] = [
                form
                for form in ("json", "html", "pdf")
                if self.archive.kept(period, lang, form) is None
            ]
            if not missing:
                continue
            report = self._build(period, lang, now)
            for form in missing:
                made.append(self.archive.keep(report, form, render(report, form)))
        return made


async def make_reports_on_schedule(
    reports: Reports, lang: str, *, every: float = SCHEDULE_SECONDS
) -> None:
    """At start-up and then hourly: the reports of periods that have just ended."""
    while True:
        try:
            made = await run_when_idle(reports.make_due, lang)  # shoppers come first
            for path in made:
                logger.info("report made: %s", path)
        except Exception:
            logger.exception("scheduled reports failed; retrying in %s s", every)
        await asyncio.sleep(every)
