"""Property tests of the parsers and the chunker: whatever bytes or text a file holds, parsing
either gives a document or refuses it with an IngestError (a 4xx), and chunking loses no text,
keeps to its token budget and gives the same chunks every time."""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
import hypothesis.core
import numpy as np
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.vendor.pretty import RepresentationPrinter

from ingest.chunking import ChunkDraft, chunk_document
from ingest.document import ParsedDocument, Section
from ingest.errors import IngestError
from ingest.parsers import PARSERS, parse_document
from ingest.pipeline import DocumentRecord, IngestPipeline
from ingest.store import StoredChunk
from models.embedder import Vectors
from models.llm import estimate_tokens
from tests.ingest.samples import locked_pdf, returns_pdf, rezip, scanned_pdf, shipping_docx

# schemathesis' pytest plugin blanks Hypothesis' report of a failing example (to save time in
# its own runs); these tests need it to say which input failed.
hypothesis.core.RepresentationPrinter = RepresentationPrinter  # type: ignore[misc]

SIZE, OVERLAP = 220, 30  # the default KEFU_CHUNK_TOKENS and KEFU_CHUNK_OVERLAP_TOKENS
SUFFIXES = sorted(PARSERS)
TEXT_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt", ".csv")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis folder in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def flat(text: str) -> str:
    """The text without its whitespace: what chunking must keep of it."""
    return re.sub(r"\s+", "", text)


def is_subsequence(needle: str, haystack: str) -> bool:
    remaining = iter(haystack)
    return all(char in remaining for char in needle)


def parse_or_refuse(filename: str, data: bytes) -> ParsedDocument | None:
    """Parse and check the document; an IngestError is a refusal (the API's 4xx), and any
    other exception fails the test."""
    suffix = Path(filename).suffix
    try:
        parsed = parse_document(filename, data)
    except IngestError as refused:
        event(f"{suffix} refused: {refused.code}")
        return None
    event(f"{suffix} parsed")
    check_document(parsed)
    return parsed


def check_document(parsed: ParsedDocument) -> list[ChunkDraft]:
    """What every parsed document promises, and its chunks at the default sizes."""
    assert isinstance(parsed.title, str) and parsed.title.strip()
    for section in parsed.sections:
        assert isinstance(section.heading, str) and isinstance(section.text, str)
        for url in (*section.links, *section.images):
            # URLs are stored newline-joined in the chunk metadata and shown as links.
            assert url and not re.search(r"\s", url), url
            assert not url.lower().startswith(("javascript:", "data:", "#")), url
        assert len(set(section.links)) == len(section.links)
        assert len(set(section.images)) == len(section.images)
    chunks = chunk_document(parsed, estimate_tokens, size=SIZE, overlap=OVERLAP)
    check_chunks(parsed, chunks, SIZE, OVERLAP)
    return chunks


def check_chunks(parsed: ParsedDocument, chunks: list[ChunkDraft], size: int, overlap: int) -> None:
    assert [c.position for c in chunks] == list(range(len(chunks)))
    # Sections are chunked one after the other, each on its own.
    per_section = [
        [
            c.text
            for c in chunk_document(
                ParsedDocument("T", [s]), estimate_tokens, size=size, overlap=overlap
            )
        ]
        for s in parsed.sections
    ]
    assert [c.text for c in chunks] == [t for texts in per_section for t in texts]
    assert [c.heading for c in chunks] == [
        s.heading for s, texts in zip(parsed.sections, per_section, strict=True) for _ in texts
    ]
    for section, texts in zip(parsed.sections, per_section, strict=True):
        assert all(text.strip() for text in texts), texts  # no empty chunk is embedded
        if section.atomic:  # an FAQ pair: one chunk, whole
            assert texts == ([section.text.strip()] if section.text.strip() else [])
            continue
        # Nothing is lost: every character of the words is in the chunks, in order, and the
        # chunks add nothing but the spaces that join sentences.
        assert is_subsequence(flat(section.text), "".join(flat(t) for t in texts))
        assert all(flat(t) in flat(section.text) for t in texts)
        if overlap == 0:
            assert "".join(flat(t) for t in texts) == flat(section.text)
        budget = text_budget(section.heading, size)
        assert all(estimate_tokens(t) <= budget for t in texts), [
            (estimate_tokens(t), budget) for t in texts
        ]


def text_budget(heading: str, size: int) -> int:
    """A chunk and its heading fit the size; a heading longer than half of it counts as half."""
    return size - min(estimate_tokens(heading), size // 2)


# --- arbitrary bytes --------------------------------------------------------------------------

MAGIC = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]
MAGIC += [b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"question,answer\n"]


@FUZZ
@given(
    suffix=st.sampled_from(SUFFIXES),
    data=st.builds(lambda m, b: m + b, st.sampled_from(MAGIC), st.binary(max_size=4096)),
)
def test_any_bytes_are_parsed_or_refused_with_an_ingest_error(suffix: str, data: bytes) -> None:
    parse_or_refuse(f"upload{suffix}", data)


# --- damaged real files -----------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """A way to damage a file: cut it short, overwrite, insert or delete some bytes."""

    kind: str
    at: float
    payload: bytes
    length: int

    def apply(self, data: bytes) -> bytes:
        place = int(self.at * len(data))
        if self.kind == "truncate":
            return data[:place]
        if self.kind == "overwrite":
            return data[:place] + self.payload + data[place + len(self.payload) :]
        if self.kind == "insert":
            return data[:place] + self.payload + data[place:]
        return data[:place] + data[place + self.length :]


damages = st.lists(
    st.builds(
        Damage,
        kind=st.sampled_from(["truncate", "overwrite", "insert", "delete"]),
        at=st.floats(0, 1),
        payload=st.binary(min_size=1, max_size=16)
        | st.sampled_from([b"0", b" ", b"\n", b"/", b"(", b")", b"<<", b">>", b"obj", b"R"]),
        length=st.integers(1, 64),
    ),
    min_size=1,
    max_size=4,
)


def faq_csv() -> bytes:
    return "question,answer\n退货期限是多久？,签收后30天内。\nDo you ship abroad?,No.\n".encode()


SAMPLES: dict[str, Callable[[], bytes]] = {
    "returns.pdf": returns_pdf,
    "scan.pdf": scanned_pdf,
    "locked.pdf": locked_pdf,
    "shipping.docx": shipping_docx,
    "faq.csv": faq_csv,
}
SAMPLE_BYTES = {name: make() for name, make in SAMPLES.items()}


@FUZZ
@given(name=st.sampled_from(sorted(SAMPLES)), damage=damages)
def test_damaged_files_are_parsed_or_refused_with_an_ingest_error(
    name: str, damage: list[Damage]
) -> None:
    data = SAMPLE_BYTES[name]
    for step in damage:
        data = step.apply(data)
    parse_or_refuse(name, data)


@FUZZ
@given(
    name=st.sampled_from(["shipping.docx"]),
    member=st.sampled_from(["word/document.xml", "word/styles.xml", "[Content_Types].xml"]),
    damage=damages,
)
def test_a_docx_with_a_damaged_part_is_parsed_or_refused(
    name: str, member: str, damage: list[Damage]
) -> None:
    """The zip is sound but a part inside it is not (Word's XML cut or garbled)."""
    data = rezip(SAMPLE_BYTES[name], {member: lambda xml: damaged(xml, damage)})
    parse_or_refuse(name, data)


def damaged(data: bytes, damage: list[Damage]) -> bytes:
    for step in damage:
        data = step.apply(data)
    return data


# --- Word documents of any shape ----------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
words = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("中文 \t"),
    max_size=12,
)
style_ids = st.sampled_from(["Title", "Heading1", "Heading2", "Heading3", "Normal", "Nope", ""])


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def paragraph_xml(draw: st.DrawFn) -> str:
    style = draw(st.none() | style_ids)
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style is not None else ""
    runs = []
    for text in draw(st.lists(words, max_size=3)):
        run = f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>'
        if draw(st.booleans()):  # a hyperlink, to a relationship that may not exist
            rel = draw(st.sampled_from(["rIdLink", "rId999", "", "rId1"]))
            anchor = draw(st.sampled_from(["", ' w:anchor="top"']))
            run = f'<w:hyperlink r:id="{rel}"{anchor}>{run}</w:hyperlink>'
        runs.append(run)
    return f"<w:p>{props}{''.join(runs)}</w:p>"


@st.composite
def table_xml(draw: st.DrawFn, depth: int = 0) -> str:
    rows = []
    for _ in range(draw(st.integers(0, 3))):
        cells = []
        for _ in range(draw(st.integers(0, 3))):
            span = draw(st.sampled_from(["", '<w:gridSpan w:val="2"/>', '<w:gridSpan w:val="9"/>']))
            merge = draw(st.sampled_from(["", "<w:vMerge/>", '<w:vMerge w:val="restart"/>']))
            inner = draw(st.lists(paragraph_xml(), max_size=2))
            if depth < 1 and draw(st.booleans()):
                inner.append(draw(table_xml(depth + 1)))
            cells.append(f"<w:tc><w:tcPr>{span}{merge}</w:tcPr>{''.join(inner)}</w:tc>")
        rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
    grid = "".join("<w:gridCol/>" for _ in range(draw(st.integers(0, 3))))
    return f"<w:tbl><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


@st.composite
def document_xml(draw: st.DrawFn) -> bytes:
    blocks = draw(st.lists(paragraph_xml() | table_xml(), max_size=8))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{"".join(blocks)}</w:body></w:document>'
    ).encode()


def _blank_docx() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


BLANK_DOCX = _blank_docx()


@FUZZ
@given(body=document_xml())
def test_word_documents_of_any_shape_are_parsed_or_refused(body: bytes) -> None:
    """Paragraphs, styles, hyperlinks (to missing relationships too), tables with spans and
    merges nested in tables, in any order."""
    data = rezip(BLANK_DOCX, {"word/document.xml": lambda _: body})
    parse_or_refuse("shape.docx", data)


# --- arbitrary text in each text format -------------------------------------------------------

FRAGMENTS = {
    ".md": [
        "# ",
        "## ",
        "\n",
        "\n\n",
        "![",
        "[",
        "](",
        ")",
        "<http://a.b/c>",
        "http://x.y/z ",
        "**",
        "`",
        "```",
        "> ",
        "- ",
        "1. ",
        "<div>",
        "|-|",
        "\\",
        '"t"',
        "退货",
        "ok.",
    ],
    ".html": [
        "<h1>",
        "</h1>",
        "<h2>",
        "<p>",
        "</p>",
        "<li>",
        "<td>",
        "<img src=a.png alt=x>",
        "<img>",
        '<a href="javascript:x">',
        "<a href=' /p '>",
        "</a>",
        "<figure>",
        "<figcaption>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<!",
        "<!DOCTYPE html>",
        "&#0;",
        "&#x110000;",
        "&amp",
        "<title>",
        "<",
        ">",
        "退货",
        " ",
    ],
    ".txt": ["\n", "\n\n", " ", "\t", "\u3000", "退货。", "Returns.", "http://a.b/c", "\r\n"],
    ".csv": [
        "question",
        "answer",
        "问题",
        "答案",
        ",",
        '"',
        "\n",
        "\r\n",
        "\ufeff",
        " ",
        "\x00",
        "x",
        "长答案",
    ],
}
any_text = st.text(st.characters(codec="utf-8"), max_size=400)


@st.composite
def format_text(draw: st.DrawFn, suffix: str) -> str:
    key = ".md" if suffix == ".markdown" else ".html" if suffix == ".htm" else suffix
    pieces = st.sampled_from(FRAGMENTS[key]) | st.text(st.characters(codec="utf-8"), max_size=6)
    return "".join(draw(st.lists(pieces, max_size=60)))


@FUZZ
@given(data=st.data(), suffix=st.sampled_from(TEXT_SUFFIXES))
def test_any_text_in_a_text_format_is_parsed_or_refused(data: st.DataObject, suffix: str) -> None:
    text = data.draw(any_text | format_text(suffix), label="text")
    parsed = parse_or_refuse(f"upload{suffix}", text.encode("utf-8"))
    assert parsed is not None or suffix == ".csv", "only an FAQ file may refuse valid UTF-8 text"


@FUZZ
@given(
    rows=st.lists(
        st.tuples(any_text, any_text, st.lists(any_text, max_size=2)), min_size=1, max_size=8
    ),
    header=st.sampled_from([("question", "answer"), ("问题", "答案"), (" Question ", "ANSWER")]),
)
def test_faq_rows_become_one_whole_chunk_per_pair(
    rows: list[tuple[str, str, list[str]]], header: tuple[str, str]
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*header, "notes"])
    for question, answer, extra in rows:
        writer.writerow([question, answer, *extra])
    try:
        parsed = parse_document("faq.csv", out.getvalue().encode("utf-8"))
    except IngestError:  # a row with a question and no answer, or the other way round
        assert any(bool(q.strip()) != bool(a.strip()) for q, a, _ in rows)
        return
    pairs = [(q.strip(), a.strip()) for q, a, _ in rows if q.strip() or a.strip()]
    assert [s.text for s in parsed.sections] == [f"Q: {q}\nA: {a}" for q, a in pairs]
    assert len(check_document(parsed)) == len(pairs)


# --- chunking -----------------------------------------------------------------------------------

sentence_pieces = st.sampled_from(
    ["。", "！", "？", "；", ".", "!", "?", ";", " ", "  ", "\n", "\n\n", "\t", "\u3000", ". "]
)
han = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=30)
latin = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=30)
prose = st.lists(han | latin | sentence_pieces | any_text, max_size=80).map("".join)
long_runs = st.builds(lambda a, b, n: (a * n) + (b * n), han, latin, st.integers(1, 200))


@FUZZ
@given(
    heading=st.text(max_size=20) | han | long_runs,
    text=prose | long_runs,
    size=st.integers(32, 400),
    overlap=st.integers(0, 60),
)
@example(heading="", text="a" * 20 + " " + "b" * 800, size=220, overlap=30)
def test_chunks_keep_all_text_within_the_budget(
    heading: str, text: str, size: int, overlap: int
) -> None:
    parsed = ParsedDocument(title="T", sections=[Section(heading=heading, text=text)])
    chunks = chunk_document(parsed, estimate_tokens, size=size, overlap=overlap)
    check_chunks(parsed, chunks, size, overlap)
    again = chunk_document(parsed, estimate_tokens, size=size, overlap=overlap)
    assert again == chunks  # deterministic: the same ids and vectors on every ingest


# --- the pipeline's entry point -----------------------------------------------------------------


class ZeroEmbedder:
    name = "zero"
    dimension = 4

    def embed(self, texts: list[str]) -> Vectors:
        return np.zeros((len(texts), self.dimension), dtype=np.float32)


@dataclass
class MemoryStore:
    embedder: ZeroEmbedder = field(default_factory=ZeroEmbedder)
    chunks: dict[str, StoredChunk] = field(default_factory=dict)

    def chunk_versions(self, document_id: str) -> dict[str, tuple[int, int]]:
        return {
            c.id: (c.first_version, c.last_version)
            for c in self.chunks.values()
            if c.document_id == document_id
        }

    def documents_changed(self) -> None:
        pass

    def add(self, chunks: list[StoredChunk], vectors: Vectors) -> None:
        assert len(chunks) == len(vectors)
        self.chunks.update((c.id, c) for c in chunks)

    def update_metadata(self, chunks: list[StoredChunk]) -> None:
        self.chunks.update((c.id, c) for c in chunks)

    def delete(self, ids: list[str]) -> None:
        for chunk_id in ids:
            del self.chunks[chunk_id]


@dataclass
class MemoryCatalog:
    records: dict[str, DocumentRecord] = field(default_factory=dict)

    def find_by_filename(self, filename: str) -> DocumentRecord | None:
        return self.records.get(filename)

    def save(self, record: DocumentRecord) -> None:
        self.records[record.filename] = record

    def delete(self, document_id: str) -> None:
        self.records = {k: r for k, r in self.records.items() if r.id != document_id}


@FUZZ
@given(
    name=st.sampled_from([f"upload{s}" for s in SUFFIXES] + ["../x.md", "noext", "a.exe"]),
    data=st.one_of(
        st.builds(lambda m, b: m + b, st.sampled_from(MAGIC), st.binary(max_size=2048)),
        any_text.map(str.encode),
        st.sampled_from(sorted(SAMPLE_BYTES.values())),
    ),
)
def test_ingest_bytes_stores_chunks_or_raises_an_ingest_error(name: str, data: bytes) -> None:
    store = MemoryStore()
    pipeline = IngestPipeline(
        store=store,  # type: ignore[arg-type]
        catalog=MemoryCatalog(),
        count_tokens=estimate_tokens,
        chunk_tokens=SIZE,
        overlap_tokens=OVERLAP,
        max_bytes=1_000_000,
    )
    try:
        result = pipeline.ingest_bytes(name, data)
    except IngestError:
        assert not store.chunks  # a refused file leaves nothing behind
        return
    assert result.status == "created" and result.filename == Path(name).name
    assert result.chunks == len(store.chunks) > 0
    again = pipeline.ingest_bytes(name, data)
    assert again.status == "unchanged" and again.chunks == result.chunks
