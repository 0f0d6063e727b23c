"""The retriever's in-memory mirror of the store follows uploads, edits and deletions, in this
process and in another worker, and never serves a chunk that is gone (real Chroma)."""

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import ingest.mirror
from app.services.catalog import SqlDocumentCatalog
from ingest.hybrid import HybridRetriever
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, StoredChunk, StoredRecord, create_chroma_client
from models.embedder import Embedder
from models.llm import estimate_tokens
from tests.fakes import HashEmbedder
from tests.ingest.test_pipeline import make_pipeline

RETURNS = b"# Returns\n\nYou can return most items within 30 days of delivery.\n"
SHIPPING = b"# Shipping\n\nExpress next-day delivery costs 15 yuan with SF Express.\n"
MUG = b"# Travel mug\n\nThe Quokka travel mug's lid seals with a bayonet twist.\n"


def documents_found(retriever: HybridRetriever, query: str) -> list[str]:
    return [p.document for p in retriever.search(query, 3)]


class Reads:
    """Records which documents the store is asked to read for the mirror (None: all)."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.asked: list[list[str] | None] = []
        self._original = store.visible_chunks
        store.visible_chunks = self  # type: ignore[method-assign]

    def __call__(
        self, live: Mapping[str, int] | None, document_ids: Sequence[str] | None = None
    ) -> Iterator[list[StoredRecord]]:
        self.asked.append(None if document_ids is None else list(document_ids))
        return self._original(live, document_ids)


def test_an_upload_is_found_by_its_rare_word_at_once_reading_only_that_document(
    tmp_path: Path, embedder: Embedder
) -> None:
    pipeline = make_pipeline(tmp_path, embedder)
    pipeline.ingest_bytes("returns.md", RETURNS)
    pipeline.ingest_bytes("shipping.md", SHIPPING)
    retriever = HybridRetriever(pipeline.store)
    assert "mug.md" not in documents_found(retriever, "quokka")  # the mirror is built
    reads = Reads(pipeline.store)
    made = pipeline.ingest_bytes("mug.md", MUG)
    assert documents_found(retriever, "quokka")[0] == "mug.md"
    assert reads.asked == [[made.id]]
    pipeline.delete_document(made.id)
    assert "mug.md" not in documents_found(retriever, "quokka bayonet")
    assert "quokka" not in " ".join(retriever.index().ids)
    assert reads.asked == [[made.id], [made.id]]


def test_a_lagging_mirror_never_serves_a_deleted_document(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a large share of the documents changes, the mirror is rebuilt in the background
    and the previous one serves meanwhile: its chunks of a deleted document are dropped (by
    the visibility check) when the passages are fetched."""
    pipeline = make_pipeline(tmp_path, embedder)
    for name, text in (("returns.md", RETURNS), ("shipping.md", SHIPPING), ("mug.md", MUG)):
        pipeline.ingest_bytes(name, text)
    retriever = HybridRetriever(pipeline.store)
    assert documents_found(retriever, "quokka bayonet")[0] == "mug.md"
    monkeypatch.setattr(ingest.mirror, "REBUILD_AT_LEAST", 0)
    monkeypatch.setattr(ingest.mirror, "REBUILD_SHARE", 0.0)
    release = threading.Event()
    build: Callable[[], Any] = retriever.mirror._build

    def held_build() -> Any:
        release.wait(30)
        return build()

    monkeypatch.setattr(retriever.mirror, "_build", held_build)
    mug = pipeline.catalog.find_by_filename("mug.md")
    assert mug is not None
    # A deletion cut off after the catalog: the chunks stay in Chroma, no longer visible.
    pipeline.catalog.delete(mug.id)
    pipeline.store.documents_changed()
    assert pipeline.store.chunk_ids(mug.id)
    lagging = retriever.index()
    assert [hit.chunk_id for hit in lagging.search("quokka", 3)]  # still in the old mirror
    assert "mug.md" not in documents_found(retriever, "quokka bayonet")
    assert documents_found(retriever, "express delivery")[0] == "shipping.md"
    release.set()
    retriever.mirror.wait_for_rebuild(30)
    assert retriever.index() is not lagging
    assert retriever.index().search("quokka", 3) == []


def test_another_workers_upload_and_deletion_are_followed(
    tmp_path: Path, embedder: Embedder, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers: the same catalog and Chroma folder, a store and a retriever each."""
    monkeypatch.setattr(KnowledgeStore, "LIVE_VERSIONS_SECONDS", 0.0)  # no wait for the test
    here = make_pipeline(tmp_path, embedder, engine=engine)
    there = make_pipeline(tmp_path, embedder, engine=engine)
    here.ingest_bytes("returns.md", RETURNS)
    retriever = HybridRetriever(here.store)
    assert documents_found(retriever, "return items")[0] == "returns.md"
    made = there.ingest_bytes("mug.md", MUG)
    assert documents_found(retriever, "quokka")[0] == "mug.md"
    there.ingest_bytes("mug.md", MUG.replace(b"Quokka", b"Wombat"))
    assert documents_found(retriever, "wombat")[0] == "mug.md"
    assert [hit.chunk_id for hit in retriever.index().search("quokka", 3)] == []
    there.delete_document(made.id)
    assert "mug.md" not in documents_found(retriever, "wombat bayonet")


def test_the_mirror_reads_a_store_larger_than_one_fetch(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma refuses to return a large store in one call ("too many SQL variables" at 100k
    chunks): the store is read in batches."""
    monkeypatch.setattr(KnowledgeStore, "FETCH_BATCH", 2)
    pipeline = make_pipeline(tmp_path, embedder)
    for name, text in (("returns.md", RETURNS), ("shipping.md", SHIPPING), ("mug.md", MUG)):
        pipeline.ingest_bytes(name, text)
    retriever = HybridRetriever(pipeline.store)
    assert len(retriever.index()) == pipeline.store.count() == 3
    assert documents_found(retriever, "quokka")[0] == "mug.md"
    assert documents_found(retriever, "退货")[0] == "returns.md"  # the English list, crossing


def chunk(chunk_id: str, text: str) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        document_id=chunk_id,
        document=f"{chunk_id}.md",
        title=chunk_id,
        heading="",
        text=text,
        lang="en",
        content_hash=chunk_id,
        position=0,
    )


def test_a_store_without_catalog_is_reread_in_the_background_after_refresh_seconds(
    tmp_path: Path,
) -> None:
    """Another process may edit such a store without changing its count: every
    ``refresh_seconds`` it is read again while the previous mirror serves."""
    embedder = HashEmbedder()
    here = KnowledgeStore(create_chroma_client("", tmp_path / "chroma"), embedder)
    there = KnowledgeStore(create_chroma_client("", tmp_path / "chroma"), embedder)
    here.add([chunk("kettle", "The Zephyr kettle boils fast.")], embedder.embed(["kettle"]))
    retriever = HybridRetriever(here, refresh_seconds=0.0)
    assert [p.chunk_id for p in retriever.search("zephyr", 1)] == ["kettle"]
    here.add([chunk("lamp", "The Aurora lamp dims.")], embedder.embed(["lamp"]))
    assert [p.chunk_id for p in retriever.search("aurora", 1)] == ["lamp"]  # this process
    there.delete(["lamp"])
    there.add([chunk("mug", "The Quokka mug seals.")], embedder.embed(["mug"]))
    assert "lamp" not in [p.chunk_id for p in retriever.search("aurora", 2)]  # visibility
    retriever.mirror.wait_for_rebuild(30)
    assert [p.chunk_id for p in retriever.search("quokka", 1)] == ["mug"]


def test_a_pipeline_without_catalog_versions_is_followed(tmp_path: Path) -> None:
    store = KnowledgeStore(create_chroma_client("", tmp_path / "chroma"), HashEmbedder())
    from app.core.db import create_db_engine, migrate

    engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
    migrate(engine)
    pipeline = IngestPipeline(
        store, SqlDocumentCatalog(engine), estimate_tokens, 220, 30, 1_000_000
    )
    retriever = HybridRetriever(store)
    assert retriever.search("quokka", 3) == []
    made = pipeline.ingest_bytes("mug.md", MUG)
    assert documents_found(retriever, "quokka")[0] == "mug.md"
    pipeline.delete_document(made.id)
    assert retriever.search("quokka", 3) == []
