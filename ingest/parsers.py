"""Turn uploaded bytes into a title and a list of sections of plain text.

Markdown, HTML and plain text are parsed here; PDF, Word and FAQ CSV files in their own
modules. ``PARSERS`` maps each supported file extension to its parser.
"""

import re
from collections.abc import Callable
from pathlib import PurePath

from bs4 import BeautifulSoup, Tag
from markdown_it import MarkdownIt

from ingest.document import (
    ParsedDocument,
    Section,
    bare_urls,
    clean_url,
    stem_title,
    unique_urls,
)
from ingest.errors import UnreadableDocument, UnsupportedFileType
from ingest.faq import parse_faq_csv
from ingest.pdf import parse_pdf
from ingest.word import parse_docx

__all__ = ["PARSERS", "ParsedDocument", "Section", "decode_text", "parse_document"]


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
            sections.append(_markdown_section(heading, body))

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
    return ParsedDocument(title=title or stem_title(filename), sections=sections)


# A link or image, an autolink, or a URL written out; matched left to right in one pass.
_MD_REFERENCE = re.compile(
    r"(?P<bang>!?)\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]+)(?P<rest>[^)]*)\)"
    r"|<(?P<auto>(?:https?|mailto):[^>\s]+)>"
    r"|(?P<bare>https?://[^\s<>()\"'，。；！？、）]+)"
)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


def _markdown_section(heading: str, body: str) -> Section:
    """Keep link text (with the URL in brackets) and image alt text; drop markup.

    Link URLs go to ``links`` and image URLs to ``images``; an image's URL is not kept in the
    text, only its alt text (or title), which anchors it to its chunk.
    """
    links: list[str] = []
    images: list[str] = []
    anchors: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        if match["bare"] is not None:
            url = match["bare"].rstrip(".,;:!?")
            links.append(url)
            return match["bare"]
        if match["auto"] is not None:
            links.append(match["auto"])
            return match["auto"]
        label = match["label"].strip()
        url = match["url"].strip("<>")
        if match["bang"]:
            caption = label or match["rest"].strip().strip("\"'()").strip()
            images.append(url)
            if caption:
                anchors.append((clean_url(url), caption))
            return caption
        links.append(url)
        if not label:
            return ""
        return url if label == url else f"{label} ({url})"

    body = _MD_REFERENCE.sub(replace, body)
    body = _MD_EMPHASIS.sub("", body)
    return Section(
        heading=heading,
        text=re.sub(r"\n{3,}", "\n\n", body).strip(),
        links=unique_urls(links),
        images=unique_urls(images),
        anchors=tuple(a for a in anchors if a[0]),
    )


_HTML_HEADINGS = ("h1", "h2", "h3", "h4")
_HTML_BLOCKS = ("p", "li", "td", "th", "figcaption", "pre")
# Set on the element that stands in for an <img>: its URL, and the texts that show it.
_IMAGE_URL = "data-kefu-image"
_IMAGE_LABELS = "data-kefu-labels"


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _replace_images(soup: BeautifulSoup) -> None:
    """Each <img> becomes its alt text, in an element that keeps its URL for the parser."""
    for image in soup.find_all("img"):
        alt = _space(str(image.get("alt") or ""))
        stand_in = soup.new_tag("span" if image.find_parent(_HTML_BLOCKS) else "p")
        stand_in[_IMAGE_URL] = str(image.get("src") or "")
        figure = image.find_parent("figure")
        caption = figure.find("figcaption") if figure is not None else None
        labels = [alt, _space(caption.get_text()) if isinstance(caption, Tag) else ""]
        stand_in[_IMAGE_LABELS] = "\n".join(label for label in labels if label)
        stand_in.string = f" {alt} " if stand_in.name == "span" else alt
        image.replace_with(stand_in)


def parse_html(text: str, filename: str) -> ParsedDocument:
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    _replace_images(soup)
    title_tag = soup.find("title")
    h1 = soup.find("h1")
    title = (title_tag.get_text(strip=True) if title_tag else "") or (
        h1.get_text(strip=True) if h1 else ""
    )
    body = soup.body or soup
    sections: list[Section] = []
    heading = ""
    buffer: list[str] = []
    links: list[str] = []
    images: list[str] = []
    anchors: list[tuple[str, str]] = []

    def flush() -> None:
        joined = "\n".join(part for part in buffer if part).strip()
        if joined:
            sections.append(
                Section(
                    heading=heading,
                    text=joined,
                    links=unique_urls(links),
                    images=unique_urls(images),
                    anchors=tuple(anchors),
                )
            )
        for pending in (buffer, links, images, anchors):
            pending.clear()

    def collect(element: Tag) -> None:
        for link in element.find_all("a", href=True):
            url = clean_url(str(link["href"]))
            links.append(url)
            if (label := _space(link.get_text())) and url:
                anchors.append((url, label))
        stand_ins = element.select(f"[{_IMAGE_URL}]")
        for image in [element, *stand_ins] if element.has_attr(_IMAGE_URL) else stand_ins:
            url = clean_url(str(image[_IMAGE_URL]))
            images.append(url)
            labels = str(image.get(_IMAGE_LABELS) or "")
            anchors.extend((url, label) for label in labels.split("\n") if label and url)

    for element in body.find_all([*_HTML_HEADINGS, *_HTML_BLOCKS]):
        if element.find_parent(_HTML_BLOCKS):
            continue  # nested: its text is taken with its parent
        content = _space(element.get_text())
        if element.name in _HTML_HEADINGS:
            flush()
            heading = content if content != title else ""
        elif content:
            buffer.append(content)
        collect(element)
    flush()
    return ParsedDocument(title=title or stem_title(filename), sections=sections)


def parse_text(text: str, filename: str) -> ParsedDocument:
    stripped = text.strip()
    first_line = stripped.splitlines()[0].strip() if stripped else ""
    title = first_line if 0 < len(first_line) <= 80 else stem_title(filename)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", stripped) if p.strip()]
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the title line is not a passage of its own
    return ParsedDocument(
        title=title,
        sections=[Section(heading="", text=p, links=unique_urls(bare_urls(p))) for p in paragraphs],
    )


Parser = Callable[[bytes, str], ParsedDocument]
TextParser = Callable[[str, str], ParsedDocument]


def _decoded(parser: TextParser) -> Parser:
    def parse(data: bytes, filename: str) -> ParsedDocument:
        return parser(decode_text(data, filename), filename)

    return parse


PARSERS: dict[str, Parser] = {
    ".md": _decoded(parse_markdown),
    ".markdown": _decoded(parse_markdown),
    ".html": _decoded(parse_html),
    ".htm": _decoded(parse_html),
    ".txt": _decoded(parse_text),
    ".csv": _decoded(parse_faq_csv),
    ".pdf": parse_pdf,
    ".docx": parse_docx,
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
    return parser(data, filename)
