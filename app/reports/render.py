"""Render an analytics report as JSON, a self-contained HTML page or an A4 PDF, in the
report's language (``report.lang``: "zh" or "en")."""

from typing import Any

from app.analytics.model import Report
from app.reports.content import report_content
from app.reports.html_page import html_page
from app.reports.pdf_document import pdf_document


def render_json(report: Report) -> dict[str, Any]:
    return report.as_json()


def render_html(report: Report) -> str:
    return html_page(report_content(report))


def render_pdf(report: Report) -> bytes:
    return pdf_document(report_content(report))
