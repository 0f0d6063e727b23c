"""New formats through the pipeline into real Chroma: FAQ pairs, URLs, limits and versions."""

from pathlib import Path

import pytest

from app.core.db import create_db_engine, migrate
from app.services.catalog import SqlDocumentCatalog
from ingest.errors import DocumentTooLarge, UnreadableDocument
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, create_chroma_client
from models.llm import estimate_tokens
from tests.fakes import HashEmbedder
from tests.ingest.samples import returns_pdf


def make_pipeline(tmp_path: Path, *, max_chunks: int = 2000) -> IngestPipeline:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
    migrate(engine)
    store = KnowledgeStore(create_chroma_client("", tmp_path / "chroma"), HashEmbedder())
    return IngestPipeline(
        store, SqlDocumentCatalog(engine), estimate_tokens, 40, 8, 1_000_000, max_chunks=max_chunks
    )


def faq(pairs: int) -> bytes:
    rows = [
        f"How does rule {i} work?,"
        f'"Rule {i} says: {"items are checked carefully before the refund is paid. " * 4}"'
        for i in range(pairs)
    ]
    return ("question,answer\n" + "\n".join(rows) + "\n").encode()


def test_each_faq_pair_is_stored_and_found_as_one_chunk(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path)
    result = pipeline.ingest_bytes("faq.csv", faq(5))
    assert (result.chunks, pipeline.store.count()) == (5, 5)
    hit = pipeline.store.search("How does rule 3 work?", 1)[0]
    assert hit.heading == "How does rule 3 work?"
    assert hit.text.startswith("Q: How does rule 3 work?\nA: Rule 3 says:")
    assert hit.text.count("refund is paid") == 4  # the whole answer, past the chunk budget


def test_image_and_link_urls_come_back_with_the_passage(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path)
    html = (
        "<h1>Packaging</h1><h2>Gift boxes</h2><p>Orders can come in a "
        '<a href="https://shop.example/gift">gift box</a>.</p><figure>'
        '<img src="https://cdn.example/box.jpg" alt="A red gift box">'
        "<figcaption>The 2026 gift box with ribbon</figcaption></figure>"
    )
    pipeline.ingest_bytes("packaging.html", html.encode())
    pipeline.ingest_bytes("notes.md", b"# Notes\n\nNothing links here.\n")
    gift = pipeline.store.search("gift box ribbon", 1)[0]
    assert "The 2026 gift box with ribbon" in gift.text and "A red gift box" in gift.text
    assert gift.links == ("https://shop.example/gift",)
    assert gift.images == ("https://cdn.example/box.jpg",)
    notes = pipeline.store.search("Nothing links here", 1)[0]
    assert (notes.links, notes.images) == ((), ())

    pipeline.ingest_bytes("links.md", b"# Help\n\nSee [our help centre](https://help.example).\n")
    assert pipeline.store.search("help centre", 1)[0].links == ("https://help.example",)


def test_a_document_over_the_chunk_limit_is_refused_and_stores_nothing(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path, max_chunks=3)
    with pytest.raises(DocumentTooLarge, match=r"makes 4 chunks; the limit is 3 chunks"):
        pipeline.ingest_bytes("faq.csv", faq(4))
    assert pipeline.store.count() == 0
    assert pipeline.catalog.find_by_filename("faq.csv") is None


def test_versions_count_content_changes_and_a_failed_edit_keeps_the_old_one(
    tmp_path: Path,
) -> None:
    pipeline = make_pipeline(tmp_path, max_chunks=6)
    first = pipeline.ingest_bytes("returns.pdf", returns_pdf())
    assert (first.status, first.version) == ("created", 1)
    same = pipeline.ingest_bytes("returns.pdf", returns_pdf())
    assert (same.status, same.version) == ("unchanged", 1)
    edited = pipeline.ingest_bytes("returns.pdf", returns_pdf(refund_days="seven"))
    assert (edited.id, edited.status, edited.version) == (first.id, "updated", 2)
    ids = pipeline.store.chunk_ids(first.id)

    with pytest.raises(UnreadableDocument, match="damaged"):
        pipeline.ingest_bytes("returns.pdf", returns_pdf()[:2000])
    with pytest.raises(DocumentTooLarge):
        pipeline.ingest_bytes("returns.pdf", returns_pdf(refund_days="x " * 600))

    record = pipeline.catalog.find_by_filename("returns.pdf")
    assert record is not None and record.version == 2
    assert pipeline.store.chunk_ids(first.id) == ids
    assert "seven business days" in pipeline.store.search("refunds business days", 1)[0].text
