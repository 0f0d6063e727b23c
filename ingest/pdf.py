"""PDF files with a text layer: lines set larger than the body text start sections.

Lines that a PDF wraps are joined back into paragraphs (without a space between Chinese
characters); page numbers are dropped. A PDF of scanned pages has no text to extract and is
refused with that reason, and so is one that needs a password.
"""

import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader

from ingest.document import ParsedDocument, Section, bare_urls, stem_title, unique_urls
from ingest.errors import EncryptedDocument, NoTextLayer, UnreadableDocument

HEADING_SCALE = 1.15  # a line set this much larger than the body text is a heading
MAX_HEADING_CHARS = 120
_SENTENCE_END = tuple(".。!！?？;；:：")
_LIST_ITEM = re.compile(r"^([•·▪◦‣*–-]\s|\d{1,3}[.)、]\s?|[（(]\d{1,3}[)）]|[①-⑳])")
_PAGE_NUMBER = re.compile(
    r"^(page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(\s*(/|of)\s*\d{1,4})?$"  # 3, - 3 -, Page 3 of 9
    r"|^第\s*\d{1,4}\s*页(\s*共\s*\d{1,4}\s*页)?$",  # 第3页 共9页
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_PLACEHOLDER_TITLES = {"untitled", "unknown", "document"}


@dataclass(frozen=True)
class _Line:
    text: str
    size: float


def _scale(matrix: Any) -> float:
    try:
        return math.sqrt(
            abs(float(matrix[0]) * float(matrix[3]) - float(matrix[1]) * float(matrix[2]))
        )
    except (TypeError, ValueError, IndexError):
        return 1.0


def _page_lines(page: PageObject) -> list[_Line]:
    """The page's text lines, each with the size of its largest text."""
    sizes: dict[str, float] = {}
    current: list[str] = []
    current_size = 0.0

    def visit(text: str, cm: Any, tm: Any, _font: Any, font_size: Any) -> None:
        nonlocal current_size
        size = float(font_size or 0) * _scale(tm) * _scale(cm)
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if piece.strip():
                current.append(piece)
                current_size = max(current_size, size)
            if index < len(pieces) - 1:
                end_line()

    def end_line() -> None:
        nonlocal current_size
        line = " ".join("".join(current).split())
        if line:
            sizes[line] = max(sizes.get(line, 0.0), current_size)
        current.clear()
        current_size = 0.0

    text = page.extract_text(visitor_text=visit)
    end_line()
    lines = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line and not _PAGE_NUMBER.match(line):
            lines.append(_Line(line, sizes.get(line, 0.0)))
    return lines


def _join(previous: str, line: str) -> str:
    """Join a wrapped line to its paragraph: no space between Chinese characters."""
    if _CJK.match(previous[-1]) and _CJK.match(line[0]):
        return previous + line
    if previous.endswith("-") and previous[-2:-1].isalpha():
        return previous + line
    return f"{previous} {line}"


def _paragraphs(lines: list[str]) -> str:
    paragraphs: list[str] = []
    for line in lines:
        if paragraphs and not paragraphs[-1].endswith(_SENTENCE_END) and not _LIST_ITEM.match(line):
            paragraphs[-1] = _join(paragraphs[-1], line)
        else:
            paragraphs.append(line)
    return "\n".join(paragraphs)


def _open(data: bytes, filename: str) -> PdfReader:
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDocument(f"{filename} is not a PDF file (it does not start with %PDF-)")
    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise UnreadableDocument(f"{filename}: the PDF is damaged ({exc})") from exc
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))  # owner-password-only PDFs open without one
        except Exception:
            opened = False
        if not opened:
            raise EncryptedDocument(
                f"{filename} is password-protected; save it without a password and upload again"
            )
    return reader


def _metadata_title(reader: PdfReader) -> str:
    try:
        title = str(reader.metadata.title or "").strip() if reader.metadata else ""
    except Exception:  # a damaged information dictionary: no title from it
        return ""
    if title.lower() in _PLACEHOLDER_TITLES or re.search(r"\.(docx?|pdf|pptx?)$", title, re.I):
        return ""
    return title


def parse_pdf(data: bytes, filename: str) -> ParsedDocument:
    reader = _open(data, filename)
    lines: list[_Line] = []
    try:
        for page in reader.pages:
            lines.extend(_page_lines(page))
    except Exception as exc:
        raise UnreadableDocument(f"{filename}: the PDF is damaged ({exc})") from exc
    if not lines:
        raise NoTextLayer(
            f"{filename} has no text layer (its pages are images, as in a scanned PDF); "
            "upload a PDF with selectable text, or run OCR on it first"
        )
    weights: Counter[float] = Counter()
    for line in lines:
        weights[round(line.size, 1)] += len(line.text)
    body = weights.most_common(1)[0][0]

    def is_heading(line: _Line) -> bool:
        return (
            body > 0
            and line.size >= body * HEADING_SCALE
            and len(line.text) <= MAX_HEADING_CHARS
            and any(ch.isalpha() for ch in line.text)
        )

    title = ""
    if is_heading(lines[0]) and lines[0].size >= max(line.size for line in lines):
        title, lines = lines[0].text, lines[1:]
    sections: list[Section] = []
    heading = ""
    pending: list[str] = []

    def flush() -> None:
        text = _paragraphs(pending)
        if text:
            sections.append(Section(heading=heading, text=text, links=unique_urls(bare_urls(text))))
        pending.clear()

    for line in lines:
        if is_heading(line):
            flush()
            heading = line.text
        else:
            pending.append(line.text)
    flush()
    return ParsedDocument(
        title=title or _metadata_title(reader) or stem_title(filename), sections=sections
    )
