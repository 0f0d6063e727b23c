"""The report's charts as reportlab drawings: one for the PDF as it is, and as SVG for HTML.

Every chart has a title, axis titles, a value axis with grid lines from zero and, where the bars
leave room, each bar's value written on it. All-zero or missing data draws the empty axes
with a "no data" note rather than failing.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reportlab.graphics.charts.barcharts import BarChart, HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.analytics.model import Outcome, Summary
from app.reports import formatting
from app.reports.fonts import register_font
from app.reports.texts import label, name_of

Anchor = Literal["start", "middle", "end"]

WIDTH = 480
TOP_INTENTS = 10
MAX_LABELLED_BARS = 31  # more bars than this leave no room for their values
MAX_NAME_WIDTH = 180  # points, for the names beside horizontal bars

TITLE_SIZE = 10
AXIS_TITLE_SIZE = 7.5
TICK_SIZE = 7
VALUE_SIZE = 6.5
NOTE_SIZE = 9

BAR_COLOUR = colors.HexColor("#2f6f9f")
TEXT_COLOUR = colors.HexColor("#222222")
MUTED_COLOUR = colors.HexColor("#666666")
GRID_COLOUR = colors.HexColor("#dddddd")
RATING_COLOURS = ("#c0392b", "#e67e22", "#f1c40f", "#7cb342", "#2e7d32")


@dataclass(frozen=True)
class Chart:
    key: str  # a stable id: "by_day", "by_hour", "by_intent", "csat", "outcomes"
    title: str
    drawing: Drawing


def report_charts(summary: Summary, kind: str, lang: str) -> list[Chart]:
    """The report's five charts, in reading order (``kind``: the period's, month or quarter)."""
    return [
        conversations_by_day(summary, kind, lang),
        turns_by_hour(summary, lang),
        turns_by_intent(summary, lang),
        csat_distribution(summary, lang),
        outcomes(summary, lang),
    ]


def conversations_by_day(summary: Summary, kind: str, lang: str) -> Chart:
    values = [day.conversations for day in summary.by_day]
    if kind == "quarter" or len(values) > MAX_LABELLED_BARS:
        names = [f"{d.day:%m-%d}" if i % 7 == 0 else "" for i, d in enumerate(summary.by_day)]
        axis = label("chart.by_day.x_quarter", lang)
    else:
        names = [str(d.day.day) for d in summary.by_day]
        axis = label("chart.by_day.x_month", lang)
    title = label("chart.by_day", lang)
    drawing = vertical_bars(title, values, names, axis, label("chart.by_day.y", lang), lang)
    return Chart("by_day", title, drawing)


def turns_by_hour(summary: Summary, lang: str) -> Chart:
    values = (list(summary.by_hour) + [0] * 24)[:24]
    title = label("chart.by_hour", lang)
    axis = label("chart.by_hour.x", lang).format(timezone=summary.timezone)
    hours = [str(hour) for hour in range(24)]
    drawing = vertical_bars(title, values, hours, axis, _turns(lang), lang)
    return Chart("by_hour", title, drawing)


def turns_by_intent(summary: Summary, lang: str) -> Chart:
    top = sorted(summary.by_intent.items(), key=lambda item: -item[1])[:TOP_INTENTS]
    names = [name_of("intent", intent, lang) for intent, _ in top]
    values = [turns for _, turns in top]
    title = label("chart.by_intent", lang)
    return Chart("by_intent", title, horizontal_bars(title, values, names, lang))


def csat_distribution(summary: Summary, lang: str) -> Chart:
    values = [summary.csat_distribution.get(rating, 0) for rating in range(1, 6)]
    title = label("chart.csat", lang)
    if summary.csat_count and summary.csat_avg is not None:
        title = label("chart.csat.summary", lang).format(
            average=formatting.score(summary.csat_avg, lang),
            count=formatting.count(summary.csat_count),
        )
    names = [str(rating) for rating in range(1, 6)]
    x_title, y_title = label("chart.csat.x", lang), label("chart.csat.y", lang)
    drawing = vertical_bars(title, values, names, x_title, y_title, lang, RATING_COLOURS)
    return Chart("csat", title, drawing)


def outcomes(summary: Summary, lang: str) -> Chart:
    known = [outcome.value for outcome in Outcome]
    others = [key for key in summary.outcomes if key not in known]
    keys = [key for key in known + others if summary.outcomes.get(key, 0) or key in known]
    values = [summary.outcomes.get(key, 0) for key in keys]
    names = [name_of("outcome", key, lang) for key in keys]
    title = label("chart.outcomes", lang)
    total = sum(values)
    shares = [_count_and_share(value, total) for value in values]
    return Chart("outcomes", title, horizontal_bars(title, values, names, lang, shares))


def vertical_bars(
    title: str,
    values: Sequence[int],
    names: Sequence[str],
    x_title: str,
    y_title: str,
    lang: str,
    bar_colours: Sequence[str] = (),
) -> Drawing:
    """Bars standing on a category axis, each labelled with its value when they fit; bar i
    in ``bar_colours[i]`` if given."""
    drawing = _drawing(title, 220)
    chart = VerticalBarChart()
    chart.x, chart.y = 62, 42
    chart.width, chart.height = WIDTH - chart.x - 12, 220 - 42 - 34
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = list(names) or [""]
    _style_axes(chart, values)
    if 0 < len(values) <= MAX_LABELLED_BARS:
        _label_bars(chart, [count_label(value) for value in values])
        chart.barLabels.boxAnchor = "s"
        chart.barLabels.nudge = 1
    for index, colour in enumerate(bar_colours[: len(values)]):
        chart.bars[(0, index)].fillColor = colors.HexColor(colour)
    drawing.add(chart)
    drawing.add(_text(chart.x + chart.width / 2, 8, x_title, AXIS_TITLE_SIZE, "middle"))
    drawing.add(_vertical_text(14, chart.y + chart.height / 2, y_title))
    _note_when_empty(drawing, chart, values, lang)
    return drawing


def horizontal_bars(
    title: str,
    values: Sequence[int],
    names: Sequence[str],
    lang: str,
    bar_labels: Sequence[str] | None = None,
) -> Drawing:
    """Bars for a list of names, the first on top, each labelled with its value (or
    ``bar_labels``); the value axis counts turns."""
    rows = max(len(values), 3)  # an empty chart still shows its axes
    height = 34 + 40 + rows * 17
    drawing = _drawing(title, height)
    chart = HorizontalBarChart()
    names = [fit(name, MAX_NAME_WIDTH) for name in names]
    name_width = max([text_width(name) for name in names] or [0])
    chart.x = round(max(name_width + 12, 50))
    chart.y = 38
    chart.width = WIDTH - chart.x - 70
    chart.height = rows * 17
    # A horizontal chart draws its first category at the bottom: reverse to read top-down.
    chart.data = [list(reversed(values)) or [0]]
    chart.categoryAxis.categoryNames = list(reversed(names)) or [""]
    _style_axes(chart, values)
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    texts = list(bar_labels) if bar_labels is not None else [count_label(v) for v in values]
    if values:
        _label_bars(chart, list(reversed(texts)))
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.nudge = 3
    drawing.add(chart)
    drawing.add(_text(chart.x + chart.width / 2, 8, _turns(lang), AXIS_TITLE_SIZE, "middle"))
    _note_when_empty(drawing, chart, values, lang)
    return drawing


def nice_scale(maximum: float, steps: int = 5) -> tuple[int, int]:
    """An axis top and step for counts up to ``maximum``, with room above the tallest bar for
    its label: ``nice_scale(87)`` -> ``(100, 20)``; nothing -> ``(5, 1)``."""
    if maximum <= 0:
        return steps, 1
    target = maximum * 1.12
    raw = target / steps
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    multiples = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    step = max(1, math.ceil(step))
    return step * math.ceil(target / step), step


def fit(name: str, width: float) -> str:
    """A category name cut short with "…" to fit ``width`` points at the tick size."""
    name = formatting.visible(name)
    if text_width(name) <= width:
        return name
    while name and text_width(name + "…") > width:
        name = name[:-1]
    return name + "…"


def text_width(text: str) -> float:
    return stringWidth(text, register_font(), TICK_SIZE)


def count_label(value: float) -> str:
    """A bar's value, blank for zero so that empty days and hours stay uncluttered."""
    return formatting.count(value) if value else ""


def _count_and_share(value: int, total: int) -> str:
    return f"{formatting.count(value)} ({value / total * 100:.1f}%)" if total else "0"


def _turns(lang: str) -> str:
    return label("chart.turns", lang)


def _drawing(title: str, height: float) -> Drawing:
    drawing = Drawing(WIDTH, height)
    drawing.add(_text(0, height - 14, title, TITLE_SIZE, "start"))
    return drawing


def _style_axes(chart: BarChart, values: Sequence[int]) -> None:
    font = register_font()
    top, step = nice_scale(max(values, default=0))
    value_axis, category_axis = chart.valueAxis, chart.categoryAxis
    value_axis.valueMin, value_axis.valueMax, value_axis.valueStep = 0, top, step
    value_axis.labelTextFormat = formatting.count
    value_axis.visibleGrid = True
    value_axis.gridStrokeColor = GRID_COLOUR
    value_axis.gridStrokeWidth = 0.5
    for axis in (value_axis, category_axis):
        axis.labels.fontName = font
        axis.labels.fontSize = TICK_SIZE
        axis.labels.fillColor = TEXT_COLOUR
        axis.strokeColor = MUTED_COLOUR
        axis.strokeWidth = 0.5
    category_axis.tickShift = 0
    chart.bars[0].fillColor = BAR_COLOUR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    chart.groupSpacing = 3


def _label_bars(chart: BarChart, texts: list[str]) -> None:
    chart.barLabelFormat = "values"
    chart.barLabelArray = [texts]
    chart.barLabels.fontName = register_font()
    chart.barLabels.fontSize = VALUE_SIZE
    chart.barLabels.fillColor = TEXT_COLOUR


def _note_when_empty(drawing: Drawing, chart: BarChart, values: Sequence[int], lang: str) -> None:
    if any(values):
        return
    note = label("chart.no_data", lang)
    x, y = chart.x + chart.width / 2, chart.y + chart.height / 2
    width = stringWidth(note, register_font(), NOTE_SIZE) + 12
    backdrop = Rect(x - width / 2, y - 5, width, NOTE_SIZE + 8)
    backdrop.fillColor, backdrop.strokeColor = colors.white, None
    drawing.add(backdrop)
    drawing.add(_text(x, y, note, NOTE_SIZE, "middle"))


def _text(x: float, y: float, text: str, size: float, anchor: Anchor) -> String:
    colour = TEXT_COLOUR if size >= TITLE_SIZE else MUTED_COLOUR
    return String(
        x, y, text, fontName=register_font(), fontSize=size, fillColor=colour, textAnchor=anchor
    )


def _vertical_text(x: float, y: float, text: str) -> Group:
    """An axis title turned a quarter left, centred on (x, y)."""
    group = Group(_text(0, 0, text, AXIS_TITLE_SIZE, "middle"))
    group.transform = (0, 1, -1, 0, x, y)
    return group
