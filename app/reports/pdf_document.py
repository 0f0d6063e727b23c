"""A report as an A4 PDF (reportlab platypus), in the embedded report font (see ``fonts``).

Paragraphs take reportlab's mini-markup, so every text is escaped before it becomes one.
Text with Chinese in it wraps between any two characters, other text between words.
"""

import io
from collections.abc import Sequence
from html import escape
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.reports.content import ReportContent, Section
from app.reports.content import Table as TableData
from app.reports.fonts import register_font
from app.reports.formatting import visible
from app.reports.texts import label

MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
HEADING_COLOUR = colors.HexColor("#1d4e73")
MUTED_COLOUR = colors.HexColor("#555555")
RULE_COLOUR = colors.HexColor("#c9d6e2")
HEADER_FILL = colors.HexColor("#eef3f7")
STRIPE_FILL = colors.HexColor("#f7f9fb")
# Column widths as shares of the frame, by section; other tables share it equally.
COLUMN_SHARES: dict[tuple[str, int], Sequence[float]] = {
    ("key_figures", 4): (0.40, 0.20, 0.20, 0.20),
    ("key_figures", 2): (0.65, 0.35),
    ("knowledge_gaps", 4): (0.08, 0.62, 0.13, 0.17),
    ("ticket_categories", 3): (0.5, 0.25, 0.25),
}


def pdf_document(content: ReportContent) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=content.title,
        author=label("product", content.lang),
        creator="Kefu",
        lang="zh-CN" if content.lang == "zh" else "en",
    )
    page_footer = _page_footer(content)
    document.build(story(content), onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()


def story(content: ReportContent) -> list[Flowable]:
    flowables: list[Flowable] = [paragraph(content.title, _style("title"))]
    flowables += [paragraph(line, _style("meta")) for line in content.meta]
    for part in content.sections:
        flowables += section(part)
    flowables += [Spacer(1, 8 * mm), paragraph(content.note, _style("meta"))]
    return flowables


def section(part: Section) -> list[Flowable]:
    """The heading kept with what follows it; each chart kept whole."""
    blocks: list[Flowable] = [paragraph(text, _style("body")) for text in part.paragraphs]
    if part.table is not None:
        blocks.append(table(part.table, part.key))
    blocks += [chart.drawing for chart in part.charts]
    heading = paragraph(part.heading, _style("heading"))
    if not blocks:
        return [heading]
    return [KeepTogether([heading, blocks[0]]), *(_spaced(block) for block in blocks[1:])]


def table(data: TableData, key: str) -> Table:
    header = [cell(text, i in data.numeric, header=True) for i, text in enumerate(data.columns)]
    rows = [[cell(text, i in data.numeric) for i, text in enumerate(row)] for row in data.rows]
    shares = COLUMN_SHARES.get((key, len(data.columns)))
    shares = shares or [1 / len(data.columns)] * len(data.columns)
    result = Table([header, *rows], colWidths=[FRAME_WIDTH * s for s in shares], repeatRows=1)
    result.setStyle(_table_style())
    return result


def cell(text: str, numeric: bool, header: bool = False) -> Paragraph:
    name = ("header" if header else "cell") + ("_right" if numeric else "")
    return paragraph(text, _style(name))


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """An escaped paragraph; text with Chinese in it may wrap between any two characters."""
    if has_cjk(text):
        style = ParagraphStyle(f"{style.name}_cjk", parent=style, wordWrap="CJK")
    return Paragraph(escape(visible(text), quote=False), style)


def has_cjk(text: str) -> bool:
    return any("\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" for char in text)


def _spaced(block: Flowable) -> Flowable:
    return KeepTogether([Spacer(1, 3 * mm), block])


def _style(name: str) -> ParagraphStyle:
    font = register_font()
    base: dict[str, Any] = {"fontName": font, "textColor": colors.HexColor("#222222")}
    styles: dict[str, dict[str, Any]] = {
        "title": {"fontSize": 19, "leading": 25, "textColor": HEADING_COLOUR, "spaceAfter": 4},
        "meta": {"fontSize": 9, "leading": 13, "textColor": MUTED_COLOUR},
        "heading": {
            "fontSize": 13.5,
            "leading": 18,
            "textColor": HEADING_COLOUR,
            "spaceBefore": 14,
            "spaceAfter": 6,
        },
        "body": {"fontSize": 9.5, "leading": 14, "spaceAfter": 4},
        "cell": {"fontSize": 8.5, "leading": 11},
        "cell_right": {"fontSize": 8.5, "leading": 11, "alignment": TA_RIGHT},
        "header": {"fontSize": 8.5, "leading": 11, "textColor": HEADING_COLOUR},
        "header_right": {
            "fontSize": 8.5,
            "leading": 11,
            "textColor": HEADING_COLOUR,
            "alignment": TA_RIGHT,
        },
    }
    return ParagraphStyle(name, **(base | styles[name]))


def _table_style() -> TableStyle:
    return TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE_FILL]),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE_COLOUR),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE_COLOUR),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def _page_footer(content: ReportContent) -> "PageFooter":
    return PageFooter(content.title, label("footer.page", content.lang))


class PageFooter:
    """Draws "<title> · Page n" at the foot of every page."""

    def __init__(self, title: str, page_template: str) -> None:
        self.title = title
        self.page_template = page_template

    def __call__(self, canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(register_font(), 7.5)
        canvas.setFillColor(MUTED_COLOUR)
        page = self.page_template.format(page=document.page)
        canvas.drawCentredString(A4[0] / 2, MARGIN / 2, f"{self.title} · {page}")
        canvas.restoreState()
