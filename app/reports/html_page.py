"""A report as one self-contained HTML page: inline CSS, the charts as inline SVG, nothing
fetched from anywhere, and no script (its Content-Security-Policy forbids any).

Every piece of text is escaped here, data and labels alike: knowledge-gap questions are the
shoppers' own words and may hold markup.
"""

import html
import re

from reportlab.graphics import renderSVG

from app.reports.charts import Chart
from app.reports.content import ReportContent, Section, Table
from app.reports.fonts import FONT, SVG_FONT_FAMILY
from app.reports.formatting import visible

HTML_LANG = {"zh": "zh-CN", "en": "en"}
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { margin: 0; background: #f4f6f8; color: #222;
  font-family: -apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC',
    'WenQuanYi Micro Hei', sans-serif; font-size: 15px; line-height: 1.5; }
main { max-width: 960px; margin: 0 auto; padding: 24px 32px 40px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; color: #1d4e73; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; color: #1d4e73;
  border-bottom: 2px solid #dbe5ee; }
.meta { margin: 0; color: #555; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid #e3e7eb; text-align: left;
  vertical-align: top; }
th { background: #eef3f7; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.text { word-break: break-word; }
figure.chart { margin: 16px 0 24px; }
figure.chart svg { display: block; width: 100%; max-width: 760px; height: auto; }
footer { margin-top: 32px; color: #777; font-size: 13px; }
@media print { body { background: #fff; } main { padding: 0; } figure.chart, tr {
  break-inside: avoid; } }
"""

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_DESC = re.compile(r"\s*<desc>.*?</desc>", re.DOTALL)


def escape(text: str) -> str:
    """Text as HTML text or attribute value: no markup, no control characters."""
    return html.escape(visible(text))


def html_page(content: ReportContent) -> str:
    body = [header(content), *(section(s) for s in content.sections), footer(content)]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{HTML_LANG[content.lang]}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Kefu">\n'
        f"<title>{escape(content.title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def header(content: ReportContent) -> str:
    lines = "<br>\n".join(escape(line) for line in content.meta)
    return f'<header>\n<h1>{escape(content.title)}</h1>\n<p class="meta">{lines}</p>\n</header>'


def footer(content: ReportContent) -> str:
    return f"<footer><p>{escape(content.note)}</p></footer>"


def section(part: Section) -> str:
    lines = [f'<section id="{escape(part.key)}">', f"<h2>{escape(part.heading)}</h2>"]
    lines += [f"<p>{escape(paragraph)}</p>" for paragraph in part.paragraphs]
    if part.table is not None:
        lines.append(table(part.table))
    lines += [figure(chart) for chart in part.charts]
    lines.append("</section>")
    return "\n".join(lines)


def table(data: Table) -> str:
    head = "".join(
        f'<th{_cell_class(i, data)} scope="col">{escape(c)}</th>'
        for i, c in enumerate(data.columns)
    )
    rows = [
        "<tr>" + "".join(f"<td{_cell_class(i, data)}>{escape(v)}</td>" for i, v in enumerate(r))
        for r in data.rows
    ]
    body = "</tr>\n".join(rows) + "</tr>" if rows else ""
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _cell_class(index: int, data: Table) -> str:
    return ' class="num"' if index in data.numeric else ' class="text"'


def figure(chart: Chart) -> str:
    return f'<figure class="chart" id="chart-{escape(chart.key)}">\n{svg(chart)}\n</figure>'


def svg(chart: Chart) -> str:
    """The chart as an inline ``<svg>`` element: no XML prolog, a real title, no fixed ids
    (a page holds several), and the reader's own Chinese-capable sans-serif font."""
    text = renderSVG.drawToString(
        chart.drawing,
        useClip=True,
        fontHacks={FONT: {"family": SVG_FONT_FAMILY}},
        svgAttrs={"role": "img", "aria-label": chart.title, "class": "chart"},
    )
    text = _PROLOG.sub("", text, count=1)
    text = _TITLE.sub(lambda _: f"<title>{escape(chart.title)}</title>", text, count=1)
    text = _DESC.sub("", text, count=1)
    return text.replace(' id="group"', "").strip()
