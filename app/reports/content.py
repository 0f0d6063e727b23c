"""What a report says, worked out once for both the HTML page and the PDF.

``report_content`` turns a ``Report`` into headings, sentences, tables of ready-formatted
text and charts, all in the report's language; the renderers only lay them out (and escape).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from app.analytics.model import Report, Summary
from app.reports import formatting
from app.reports.charts import Chart, report_charts
from app.reports.texts import Lang, label, name_of, report_lang

ACCURACY_REQUIRED = 0.9

Kind = Literal["count", "rate", "csat", "seconds", "ms"]


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # the columns to align right


@dataclass(frozen=True)
class Section:
    key: str  # a stable id: "key_figures", "charts", "knowledge_gaps", ...
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class ReportContent:
    lang: Lang
    title: str
    meta: list[str]  # the period, when it was made, what it is compared with
    sections: list[Section]
    note: str  # the closing line


@dataclass(frozen=True)
class Metric:
    key: str  # its text id
    kind: Kind
    value: Callable[[Summary], float | None]


METRICS: tuple[Metric, ...] = (
    Metric("metric.conversations", "count", lambda s: s.conversations),
    Metric("metric.messages", "count", lambda s: s.messages),
    Metric("metric.resolution_rate", "rate", lambda s: s.resolution_rate),
    Metric("metric.escalation_rate", "rate", lambda s: s.escalation_rate),
    Metric("metric.abstention_rate", "rate", lambda s: s.abstention_rate),
    Metric("metric.csat", "csat", lambda s: s.csat_avg),
    Metric("metric.session_duration", "seconds", lambda s: s.avg_session_seconds),
    Metric("metric.first_token", "ms", lambda s: s.avg_first_token_ms),
    Metric("metric.tickets_created", "count", lambda s: s.tickets.created),
    Metric("metric.tickets_resolved", "count", lambda s: s.tickets.resolved),
    Metric("metric.tickets_open", "count", lambda s: s.tickets.open),
    Metric("metric.first_response", "seconds", lambda s: s.tickets.first_response_avg_seconds),
    Metric("metric.resolution_time", "seconds", lambda s: s.tickets.resolution_avg_seconds),
    Metric("metric.first_response_breaches", "count", lambda s: s.tickets.first_response_breaches),
    Metric("metric.resolution_breaches", "count", lambda s: s.tickets.resolution_breaches),
)


def report_content(report: Report) -> ReportContent:
    lang = report_lang(report.lang)
    summary = report.summary
    sections = [
        key_figures_section(report, lang),
        Section("charts", label("section.charts", lang), charts=charts_of(report, lang)),
        intent_categories_section(summary, lang),
        knowledge_gaps_section(summary, lang),
        ticket_categories_section(summary, lang),
    ]
    if report.intent_accuracy is not None:
        sections.append(intent_accuracy_section(report.intent_accuracy, lang))
    return ReportContent(
        lang=lang,
        title=f"{label('product', lang)} · {formatting.period_title(report.period, lang)}",
        meta=meta_lines(report, lang),
        sections=sections,
        note=label("meta.privacy", lang),
    )


def meta_lines(report: Report, lang: str) -> list[str]:
    summary = report.summary
    lines = [
        label("meta.period", lang).format(
            start=formatting.day(summary.start),
            end=formatting.day(summary.end - timedelta(days=1)),
            timezone=summary.timezone,
        ),
        label("meta.generated", lang).format(
            at=formatting.local_time(report.generated_at, summary.timezone)
        ),
    ]
    if report.previous is None:
        lines.append(label("meta.no_previous", lang))
    else:
        lines.append(label("meta.compared", lang).format(key=report.period.previous().key))
    return lines


def key_figures_section(report: Report, lang: str) -> Section:
    columns = [label("column.metric", lang), label("column.current", lang)]
    if report.previous is not None:
        previous_key = report.period.previous().key
        columns += [
            label("column.previous", lang).format(key=previous_key),
            label("column.change", lang),
        ]
    rows = [metric_row(metric, report.summary, report.previous, lang) for metric in METRICS]
    table = Table(columns, rows, numeric=frozenset(range(1, len(columns))))
    return Section("key_figures", label("section.key_figures", lang), table=table)


def metric_row(metric: Metric, summary: Summary, previous: Summary | None, lang: str) -> list[str]:
    row = [label(metric.key, lang), show(metric, summary, lang)]
    if previous is not None:
        current, before = metric.value(summary), metric.value(previous)
        row += [show(metric, previous, lang), change(metric.kind, current, before, lang)]
    return row


def show(metric: Metric, summary: Summary, lang: str) -> str:
    value = metric.value(summary)
    match metric.kind:
        case "count":
            return formatting.none(lang) if value is None else formatting.count(value)
        case "rate":
            return formatting.percent(value, lang)
        case "csat":
            return formatting.csat(value, summary.csat_count, lang)
        case "seconds":
            return formatting.duration(value, lang)
        case "ms":
            return formatting.milliseconds(value, lang)


def change(kind: Kind, current: float | None, previous: float | None, lang: str) -> str:
    match kind:
        case "count":
            return formatting.count_change(current, previous, lang)
        case "rate":
            return formatting.rate_change(current, previous, lang)
        case "csat":
            return formatting.score_change(current, previous, lang)
        case "seconds":
            return formatting.duration_change(current, previous, lang)
        case "ms":
            return formatting.milliseconds_change(current, previous, lang)


def charts_of(report: Report, lang: str) -> list[Chart]:
    return report_charts(report.summary, report.period.kind, lang)


def knowledge_gaps_section(summary: Summary, lang: str) -> Section:
    heading = label("section.knowledge_gaps", lang)
    if not summary.knowledge_gaps:
        return Section("knowledge_gaps", heading, [label("section.knowledge_gaps.empty", lang)])
    columns = [
        label("column.rank", lang),
        label("column.question", lang),
        label("column.language", lang),
        label("column.times_asked", lang),
    ]
    rows = [
        [str(rank), gap.question, name_of("language", gap.lang, lang), formatting.count(gap.count)]
        for rank, gap in enumerate(summary.knowledge_gaps, start=1)
    ]
    intro = [label("section.knowledge_gaps.intro", lang)]
    return Section("knowledge_gaps", heading, intro, Table(columns, rows, frozenset({0, 3})))


def intent_categories_section(summary: Summary, lang: str) -> Section:
    """Turns by the category of their intent (account, delivery, products, ...)."""
    return category_shares("intent_categories", "turns", summary.by_category, lang)


def ticket_categories_section(summary: Summary, lang: str) -> Section:
    return category_shares("ticket_categories", "tickets", summary.tickets.by_category, lang)


def category_shares(section: str, counted: str, counts: dict[str, int], lang: str) -> Section:
    """A table of categories, most frequent first, with their counts and shares (or a note
    that the period had none)."""
    heading = label(f"section.{section}", lang)
    categories = sorted(counts.items(), key=lambda item: -item[1])
    total = sum(count for _, count in categories)
    if not total:
        return Section(section, heading, [label(f"section.{section}.empty", lang)])
    columns = [label(f"column.{key}", lang) for key in ("category", counted, "share")]
    rows = [
        [
            name_of("category", category, lang),
            formatting.count(n),
            formatting.percent(n / total, lang),
        ]
        for category, n in categories
    ]
    return Section(section, heading, table=Table(columns, rows, frozenset({1, 2})))


def intent_accuracy_section(results: dict[str, dict[str, float]], lang: str) -> Section:
    columns = [
        label("column.language", lang),
        label("column.accuracy", lang),
        label("column.macro_f1", lang),
        label("column.test_items", lang),
        label("column.meets_requirement", lang),
    ]
    rows = [accuracy_row(code, figures, lang) for code, figures in sorted(results.items())]
    failing = [
        name_of("language", code, lang)
        for code, figures in sorted(results.items())
        if not meets_requirement(figures)
    ]
    verdict = (
        label("accuracy.not_met", lang).format(
            languages=label("list.separator", lang).join(failing)
        )
        if failing
        else label("accuracy.met", lang)
    )
    return Section(
        "intent_accuracy",
        label("section.intent_accuracy", lang),
        [label("section.intent_accuracy.intro", lang), verdict],
        Table(columns, rows, frozenset({1, 2, 3})),
    )


def accuracy_row(code: str, figures: dict[str, float], lang: str) -> list[str]:
    items = figures.get("n")
    return [
        name_of("language", code, lang),
        formatting.percent(figures.get("accuracy"), lang),
        formatting.score(figures.get("macro_f1"), lang, digits=3),
        formatting.none(lang) if items is None else formatting.count(items),
        label("value.yes" if meets_requirement(figures) else "value.no", lang),
    ]


def meets_requirement(figures: dict[str, float]) -> bool:
    accuracy = figures.get("accuracy")
    return accuracy is not None and accuracy >= ACCURACY_REQUIRED
