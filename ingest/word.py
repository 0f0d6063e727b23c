"""Word documents (.docx): Title and Heading 1-3 paragraphs start sections; tables become rows
of cells; hyperlinks keep their text, and their URLs go to the section's links."""

import io
import re
import zipfile
from collections.abc import Iterator, Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from ingest.document import ParsedDocument, Section, clean_url, stem_title, unique_urls
from ingest.errors import DocumentTooLarge, EncryptedDocument, UnreadableDocument

# A .docx is a zip file; refuse one that unpacks to far more than any real document would.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
SECTION_STYLES = ("Heading 1", "Heading 2", "Heading 3")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def _check_package(data: bytes, filename: str) -> None:
    """Clear reasons for the files that are not a readable .docx package."""
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTION_INFO in data:
            raise EncryptedDocument(
                f"{filename} is password-protected; save it without a password and upload again"
            )
        raise UnreadableDocument(
            f"{filename} is an old Word .doc file, not .docx; save it as .docx and upload again"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableDocument(
            f"{filename} is not a Word .docx file, or it is damaged ({exc})"
        ) from exc
    if "word/document.xml" not in names:
        raise UnreadableDocument(f"{filename} is a zip file but not a Word document")
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentTooLarge(
            f"{filename} unpacks to {unpacked} bytes; the limit is {MAX_UNPACKED_BYTES}"
        )


def _style_names(paragraph: Paragraph) -> Iterator[str]:
    """The paragraph's style and the styles it is based on (a custom heading style)."""
    style = paragraph.style
    for _ in range(4):
        if style is None:
            return
        yield str(style.name or "")
        style = style.base_style


def _row_cells(row: _Row, table: Table) -> Sequence[_Cell]:
    """The row's cells, a merged cell at each grid column it covers. Word opens tables whose
    merges python-docx cannot follow (a vertical merge continued from no row above, a row
    with fewer cells than the merge above it needs); their cells are read as written."""
    try:
        return row.cells
    except ValueError:
        return [_Cell(tc, table) for tc in row._tr.tc_lst]


def _table_lines(table: Table, links: list[tuple[str, str]]) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in _row_cells(row, table):
            if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
                continue
            seen.add(id(cell._tc))
            parts: list[str] = []
            for block in cell.iter_inner_content():
                if isinstance(block, Paragraph):
                    links.extend(_hyperlinks(block))
                    parts.append(block.text.strip())
                else:
                    parts.extend(_table_lines(block, links))
            cells.append(" ".join(p for p in parts if p))
        if any(cells):
            yield " | ".join(cells)


def _hyperlinks(paragraph: Paragraph) -> Iterator[tuple[str, str]]:
    for link in paragraph.hyperlinks:
        try:
            target = link.url
        except KeyError:  # a link to a relationship the package lacks: its text stays, no URL
            continue
        if url := clean_url(target):
            yield url, re.sub(r"\s+", " ", link.text).strip()


def parse_docx(data: bytes, filename: str) -> ParsedDocument:
    _check_package(data, filename)
    try:
        document = Document(io.BytesIO(data))
        core_title = (document.core_properties.title or "").strip()
        title, sections = _read_body(document)
    except Exception as exc:  # python-docx and lxml raise many kinds on a damaged package
        raise UnreadableDocument(f"{filename}: the Word document is damaged ({exc})") from exc
    return ParsedDocument(title=title or core_title or stem_title(filename), sections=sections)


def _read_body(document: DocxDocument) -> tuple[str, list[Section]]:
    """The document's Title paragraph and its sections. Styles, tables and links are read
    lazily by python-docx, so a damaged part (styles.xml, a table's grid) fails here."""
    title = ""
    sections: list[Section] = []
    heading = ""
    lines: list[str] = []
    links: list[tuple[str, str]] = []

    def flush() -> None:
        text = "\n".join(line for line in lines if line)
        if text:
            sections.append(
                Section(
                    heading=heading,
                    text=text,
                    links=unique_urls(url for url, _ in links),
                    anchors=tuple((url, label) for url, label in links if label),
                )
            )
        lines.clear()
        links.clear()

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block, links))
            continue
        text = re.sub(r"[ \t]+", " ", block.text).strip()
        styles = list(_style_names(block))
        if text and "Title" in styles[:1] and not title:
            title = text
        elif text and any(name in SECTION_STYLES or name == "Title" for name in styles):
            flush()
            heading = text
        else:
            lines.append(text)
        links.extend(_hyperlinks(block))
    flush()
    return title, sections
