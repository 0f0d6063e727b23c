"""Turn uploaded bytes into a title and a list of sections of plain text."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from ingest.errors import UnreadableDocument, UnsupportedFileType


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections)


def decode_text(data: bytes, filename: str) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument(f"{filename}: invalid UTF-16 text") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            f"{filename} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and upload again"
        ) from exc


def _stem_title(filename: str) -> str:
    return PurePath(filename).stem.replace("_", " ").replace("-", " ").strip() or filename


def parse_markdown(text: str, filename: str) -> ParsedDocument:
    tokens = MarkdownIt("commonmark").parse(text)
    lines = text.splitlines()
    title = ""
    sections: list[Section] = []
    heading = ""
    start = 0

    def flush(end: int) -> None:
        body = "\n".join(lines[start:end]).strip()
        if body:
            sections.append(Section(heading=heading, text=_clean_markdown(body)))

    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        flush(token.map[0])
        inline = tokens[index + 1].content.strip()
        if token.tag == "h1" and not title:
            title = inline
            heading = ""
        else:
            heading = inline
        start = token.map[1]
    flush(len(lines))
    return ParsedDocument(title=title or _stem_title(filename), sections=sections)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def _clean_markdown(body: str) -> str:
    """Keep link and image text (with the URL in brackets for links) and drop markup."""
    body = _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) else "", body)
    body = _MD_EMPHASIS.sub("", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip()


_HTML_HEADINGS = ("h1", "h2", "h3", "h4")


def parse_html(text: str, filename: str) -> ParsedDocument:
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for image in soup.find_all("img"):
        alt = str(image.get("alt") or "").strip()
        if alt and not image.find_parent(["p", "li", "td", "th", "figcaption"]):
            paragraph = soup.new_tag("p")
            paragraph.string = alt
            image.replace_with(paragraph)
        else:
            image.replace_with(f" {alt} " if alt else " ")
    title_tag = soup.find("title")
    h1 = soup.find("h1")
    title = (title_tag.get_text(strip=True) if title_tag else "") or (
        h1.get_text(strip=True) if h1 else ""
    )
    body = soup.body or soup
    sections: list[Section] = []
    heading = ""
    buffer: list[str] = []

    def flush() -> None:
        joined = "\n".join(part for part in buffer if part).strip()
        if joined:
            sections.append(Section(heading=heading, text=joined))
        buffer.clear()

    for element in body.find_all([*_HTML_HEADINGS, "p", "li", "td", "th", "figcaption", "pre"]):
        if element.find_parent(["p", "li", "td", "th", "figcaption", "pre"]):
            continue  # nested: its text is taken with its parent
        content = re.sub(r"\s+", " ", element.get_text()).strip()
        if element.name in _HTML_HEADINGS:
            flush()
            heading = content if content != title else ""
        elif content:
            buffer.append(content)
    flush()
    return ParsedDocument(title=title or _stem_title(filename), sections=sections)


def parse_text(text: str, filename: str) -> ParsedDocument:
    stripped = text.strip()
    first_line = stripped.splitlines()[0].strip() if stripped else ""
    title = first_line if 0 < len(first_line) <= 80 else _stem_title(filename)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", stripped) if p.strip()]
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the title line is not a passage of its own
    return ParsedDocument(title=title, sections=[Section(heading="", text=p) for p in paragraphs])


Parser = Callable[[str, str], ParsedDocument]
PARSERS: dict[str, Parser] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".txt": parse_text,
}


def parse_document(filename: str, data: bytes) -> ParsedDocument:
    """Parse by file extension; an unknown one names the supported ones."""
    suffix = PurePath(filename).suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        raise UnsupportedFileType(
            f"{filename}: unsupported file type {suffix or '(none)'}; "
            f"supported: {', '.join(sorted(PARSERS))}"
        )
    return parser(decode_text(data, filename), filename)
