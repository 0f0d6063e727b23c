"""Ingestion throughput through the real pipeline, as the app builds it (app/container.py
``build_knowledge``): parse, chunk, personal-data scan (the app's redactor), embed, Chroma, and
the SQL catalog, into a fresh store.

A page is what a page holds: the generated PDFs are real A4 pages set in 11 pt type (counted
as reportlab made them, and checked with pypdf); a Markdown page is 500 English words or 800
Chinese characters.
"""

import io
import itertools
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

import ingest.pipeline
from bench.retrieval_corpus import ShopCorpus
from bench.retrieval_store import EMBEDDER
from bench.retrieval_timing import Stopwatch, peak_rss_mb
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import create_embedder
from models.language import Language
from models.llm import estimate_tokens

WORDS_PER_PAGE = 500  # an English Markdown page
CHARACTERS_PER_PAGE = 800  # a Chinese Markdown page (Han characters)
PAGES_PER_DOCUMENT = 5
FONTS = {"en": "Helvetica", "zh": "STSong-Light"}
MARGIN = 72
BODY_SIZE, HEADING_SIZE, LEADING = 11, 15, 15

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # built in: no font file needed


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    pages: int
    kind: str  # pdf or markdown
    lang: Language


def _paragraphs(corpus: ShopCorpus, lang: Language, number: int) -> Iterator[tuple[str, str]]:
    """(heading, paragraph) pairs of the corpus's chunks in the language, a different run of
    them for each number."""
    first = 2 * 500 * number + (lang == "zh")
    for index in itertools.count(first, 2):
        for chunk in corpus.document(index).chunks:
            yield chunk.heading, chunk.text


def _han(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def markdown_upload(corpus: ShopCorpus, lang: Language, number: int) -> Upload:
    """A Markdown document of exactly PAGES_PER_DOCUMENT pages of text."""
    budget = PAGES_PER_DOCUMENT * (CHARACTERS_PER_PAGE if lang == "zh" else WORDS_PER_PAGE)
    lines = [f"# {'产品手册' if lang == 'zh' else 'Product handbook'} {number}", ""]
    used = 0
    for index, (heading, text) in enumerate(_paragraphs(corpus, lang, number)):
        size = _han(text) if lang == "zh" else len(text.split())
        if used + size > budget:
            break
        if index % 3 == 0:
            lines += [f"## {heading} {index // 3 + 1}", ""]
        lines += [text, ""]
        used += size
    return Upload(
        f"handbook-{number}.{lang}.md",
        "\n".join(lines).encode(),
        PAGES_PER_DOCUMENT,
        "markdown",
        lang,
    )


def _wrap(text: str, font: str, width: float) -> list[str]:
    """Lines of the text that fit the width: at spaces in English, anywhere in Chinese."""
    pieces = list(text) if font == FONTS["zh"] else text.split(" ")
    glue = "" if font == FONTS["zh"] else " "
    lines: list[str] = []
    line = ""
    for piece in pieces:
        candidate = f"{line}{glue}{piece}" if line else piece
        if pdfmetrics.stringWidth(candidate, font, BODY_SIZE) > width and line:
            lines.append(line)
            line = piece
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def pdf_upload(corpus: ShopCorpus, lang: Language, number: int) -> Upload:
    """A PDF of PAGES_PER_DOCUMENT full A4 pages: a title, headings, wrapped paragraphs and
    page numbers, as a word processor sets them."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    font = FONTS[lang]
    width = A4[0] - 2 * MARGIN
    top, bottom = A4[1] - MARGIN, MARGIN + 20
    y = top
    page = 1
    pdf.setFont(font, HEADING_SIZE + 5)
    pdf.drawString(
        MARGIN, y, f"{'售后服务手册' if lang == 'zh' else 'After-sales handbook'} {number}"
    )
    y -= 2 * LEADING
    for index, (heading, text) in enumerate(_paragraphs(corpus, lang, number)):
        blocks = [(HEADING_SIZE, f"{heading} {index // 3 + 1}")] if index % 3 == 0 else []
        blocks += [(BODY_SIZE, line) for line in _wrap(text, font, width)]
        for size, line in blocks:
            if y < bottom:
                pdf.setFont(font, 9)
                pdf.drawString(A4[0] / 2, MARGIN - 20, str(page))
                pdf.showPage()
                if page == PAGES_PER_DOCUMENT:
                    pdf.save()
                    data = out.getvalue()
                    pages = len(PdfReader(io.BytesIO(data)).pages)
                    return Upload(f"handbook-{number}.{lang}.pdf", data, pages, "pdf", lang)
                page += 1
                y = top
            pdf.setFont(font, size)
            pdf.drawString(MARGIN, y, line)
            y -= LEADING * (1.4 if size == HEADING_SIZE else 1)
        y -= LEADING / 2
    raise AssertionError("the corpus never ends")


def uploads(corpus: ShopCorpus, pages: int) -> list[Upload]:
    """About ``pages`` pages: half PDF and half Markdown, each half Chinese and half English."""
    documents = max(4, round(pages / PAGES_PER_DOCUMENT / 4) * 4)
    made: list[Upload] = []
    for number in range(documents):
        lang: Language = "zh" if number % 2 else "en"
        make = pdf_upload if number % 4 < 2 else markdown_upload
        made.append(make(corpus, lang, number))
    return made


def _pipeline(folder: Path) -> tuple[IngestPipeline, Any]:
    from app.core.db import create_db_engine, migrate
    from app.services.catalog import SqlDocumentCatalog
    from graphs.redaction.engine import Redactor

    engine = create_db_engine(f"sqlite:///{folder / 'kefu.db'}")
    migrate(engine)
    catalog = SqlDocumentCatalog(engine)
    store = KnowledgeStore(
        create_chroma_client("", folder / "chroma"),
        create_embedder(EMBEDDER),
        live_versions=catalog.live_versions,
    )
    pipeline = IngestPipeline(
        store=store,
        catalog=catalog,
        count_tokens=estimate_tokens,
        chunk_tokens=220,
        overlap_tokens=30,
        max_bytes=10 * 1024 * 1024,
        scanner=Redactor(),
    )
    return pipeline, engine


def _instrument(pipeline: IngestPipeline) -> Stopwatch:
    watch = Stopwatch()
    watch.wrap(ingest.pipeline, "parse_document", "parse")
    watch.wrap(ingest.pipeline, "chunk_document", "chunk")
    watch.wrap(pipeline.scanner, "count", "personal-data scan")
    watch.wrap(pipeline.store.embedder, "embed", "embed")
    for name in ("add", "update_metadata", "delete", "chunk_versions"):
        watch.wrap(pipeline.store, name, "Chroma")
    for name in ("find_by_filename", "save"):
        watch.wrap(pipeline.catalog, name, "catalog")
    return watch


def measure(corpus: ShopCorpus, pages: int) -> dict[str, Any]:
    """Ingests the uploads one after another into a fresh store; pages and chunks per second,
    by kind, with the time of each step."""
    made = uploads(corpus, pages)
    with tempfile.TemporaryDirectory(prefix="kefu-bench-ingest-") as folder:
        started = time.perf_counter()
        pipeline, engine = _pipeline(Path(folder))
        for lang in ("zh", "en"):  # loads the embedder, the redactor's models and jieba
            warm_up = markdown_upload(corpus, lang, 499)
            pipeline.ingest_bytes(f"warm-up.{lang}.md", warm_up.data)
        load_seconds = time.perf_counter() - started
        watch = _instrument(pipeline)
        rows: list[dict[str, Any]] = []
        for upload in made:
            started = time.perf_counter()
            result = pipeline.ingest_bytes(upload.filename, upload.data)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "filename": upload.filename,
                    "kind": upload.kind,
                    "lang": upload.lang,
                    "pages": upload.pages,
                    "bytes": len(upload.data),
                    "chunks": result.chunks,
                    "seconds": round(seconds, 3),
                    "parts_seconds": {k: round(v, 4) for k, v in watch.take().items()},
                }
            )
        engine.dispose()
    by_kind = {
        kind: _summary([r for r in rows if r["kind"] == kind]) for kind in ("pdf", "markdown")
    }
    return {
        "load_seconds": round(load_seconds, 1),
        "all": _summary(rows),
        **by_kind,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "documents": rows,
    }


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = sum(r["seconds"] for r in rows)
    pages = sum(r["pages"] for r in rows)
    chunks = sum(r["chunks"] for r in rows)
    parts: dict[str, float] = {}
    for row in rows:
        for name, value in row["parts_seconds"].items():
            parts[name] = parts.get(name, 0.0) + value
    parts["other"] = seconds - sum(parts.values())
    return {
        "documents": len(rows),
        "pages": pages,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 2),
        "chunks_per_second": round(chunks / seconds, 1),
        "seconds_per_page_median": round(
            statistics.median(r["seconds"] / r["pages"] for r in rows), 3
        ),
        "parts_share": {k: round(v / seconds, 3) for k, v in sorted(parts.items())},
    }
