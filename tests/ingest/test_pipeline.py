"""Ingestion into the real Chroma store with the real embedder; retrieval in both languages."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.core.db import create_db_engine, migrate
from app.services.catalog import SqlDocumentCatalog
from ingest.errors import EmptyDocument
from ingest.hybrid import HybridRetriever
from ingest.pipeline import IngestPipeline, PersonalDataScanner
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import Embedder
from models.llm import estimate_tokens
from tests.fakes import FailingEmbedder, FailingScanner


def make_pipeline(
    tmp_path: Path,
    embedder: Embedder,
    scanner: PersonalDataScanner | None = None,
    engine: Engine | None = None,
) -> IngestPipeline:
    if engine is None:
        engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
        migrate(engine)
    catalog = SqlDocumentCatalog(engine)
    store = KnowledgeStore(
        create_chroma_client("", tmp_path / "chroma"), embedder, catalog.live_versions
    )
    return IngestPipeline(store, catalog, estimate_tokens, 220, 30, 1_000_000, scanner=scanner)


@pytest.fixture(scope="module")
def demo_pipeline(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, demo_files: list[Path]
) -> IngestPipeline:
    pipeline = make_pipeline(tmp_path_factory.mktemp("kb"), embedder)
    results = pipeline.ingest_paths(demo_files)
    assert {r.status for r in results} == {"created"}
    return pipeline


@pytest.mark.parametrize(
    ("question", "expected_topic"),
    [
        ("How many days do I have to return something?", "returns"),
        ("Which payment methods do you accept?", "payment"),
        ("How do I reset my password?", "account"),
        ("How long is the warranty for a lamp's LED module?", "warranty"),
        ("When do my membership points expire?", "membership"),
        ("Can I get a VAT invoice for my company?", "invoices"),
        ("退货期限是多久？", "returns"),
        ("满多少钱包邮？", "shipping"),
        ("公司发票需要提供什么信息？", "invoices"),
        ("人工客服几点上班？", "contact"),
        ("支持花呗分期吗？", "payment"),
        ("会员积分什么时候过期？", "membership"),
    ],
)
def test_questions_find_their_topic(
    demo_pipeline: IngestPipeline, question: str, expected_topic: str
) -> None:
    top = demo_pipeline.store.search(question, 3)
    assert top, "nothing retrieved"
    assert any(p.document.startswith(expected_topic) for p in top), [p.document for p in top]
    assert top[0].score > 0.25


def test_reingesting_an_unchanged_file_changes_nothing(
    demo_pipeline: IngestPipeline, demo_files: list[Path]
) -> None:
    before = demo_pipeline.store.count()
    ids_before = demo_pipeline.store.chunk_ids(
        demo_pipeline.catalog.find_by_filename("returns.en.md").id
    )  # type: ignore[union-attr]
    results = demo_pipeline.ingest_paths(demo_files)
    assert {r.status for r in results} == {"unchanged"}
    assert demo_pipeline.store.count() == before
    assert demo_pipeline.store.chunk_ids(
        results[0].id
    ) and ids_before == demo_pipeline.store.chunk_ids(
        demo_pipeline.catalog.find_by_filename("returns.en.md").id  # type: ignore[union-attr]
    )


def test_an_edit_replaces_only_that_documents_changed_chunks(
    tmp_path: Path, embedder: Embedder, engine: Engine
) -> None:
    pipeline = make_pipeline(tmp_path, embedder, engine=engine)
    original = (
        "# Gift cards\n\n## Validity\n\nGift cards are valid for 3 years.\n\n"
        "## Use\n\nUse them at checkout.\n"
    )
    first = pipeline.ingest_bytes("gift.md", original.encode())
    other = pipeline.ingest_bytes("other.md", b"# Other\n\nSomething else entirely.\n")
    gift_ids = pipeline.store.chunk_ids(first.id)
    other_ids = pipeline.store.chunk_ids(other.id)

    edited = original.replace("3 years", "5 years")
    second = pipeline.ingest_bytes("gift.md", edited.encode())
    assert (second.id, second.status) == (first.id, "updated")
    new_ids = pipeline.store.chunk_ids(first.id)
    assert len(new_ids) == len(gift_ids)
    assert len(new_ids & gift_ids) == len(gift_ids) - 1  # only the edited section changed
    assert pipeline.store.chunk_ids(other.id) == other_ids
    hit = pipeline.store.search("How long are gift cards valid?", 1)[0]
    assert "5 years" in hit.text


def test_a_failed_ingest_leaves_the_earlier_version_searchable(
    tmp_path: Path, embedder: Embedder, engine: Engine
) -> None:
    failing = FailingEmbedder(embedder)
    pipeline = make_pipeline(tmp_path, failing, engine=engine)  # type: ignore[arg-type]
    pipeline.ingest_bytes("gift.md", b"# Gift cards\n\nGift cards are valid for 3 years.\n")
    failing.fail = True
    with pytest.raises(RuntimeError, match="embedder down"):
        pipeline.ingest_bytes("gift.md", b"# Gift cards\n\nGift cards are valid for 5 years.\n")
    failing.fail = False
    hit = pipeline.store.search("gift card validity", 1)[0]
    assert "3 years" in hit.text
    assert pipeline.catalog.find_by_filename("gift.md").chunks == 1  # type: ignore[union-attr]


GIFT_V1 = (
    "# Gift cards\n\n## Validity\n\nGift cards are valid for 3 years.\n\n"
    "## Use\n\nUse them at checkout.\n"
)
GIFT_V2 = GIFT_V1.replace("3 years", "5 years") + (
    "\n## Engraving\n\nGift cards can carry an engraved greeting of twenty letters.\n"
)


def texts_found(pipeline: IngestPipeline, question: str) -> list[str]:
    """What dense search and the hybrid retriever (dense, BM25, cross-language) both see."""
    found = [p.text for p in pipeline.store.search(question, 10)]
    found += [p.text for p in HybridRetriever(pipeline.store).search(question, 10)]
    return found


def test_an_update_cut_off_before_the_catalog_is_never_seen_and_the_next_upload_completes(
    tmp_path: Path, embedder: Embedder, engine: Engine
) -> None:
    scanner = FailingScanner()
    pipeline = make_pipeline(tmp_path, embedder, scanner, engine=engine)
    first = pipeline.ingest_bytes("gift.md", GIFT_V1.encode())
    scanner.fail = True
    with pytest.raises(RuntimeError, match="cut off"):
        pipeline.ingest_bytes("gift.md", GIFT_V2.encode())
    scanner.fail = False
    # The new version's chunks were written, and nothing sees them: version 1 is whole.
    assert pipeline.store.count() > first.chunks
    record = pipeline.catalog.find_by_filename("gift.md")
    assert record is not None and (record.version, record.chunks) == (1, first.chunks)
    validity = texts_found(pipeline, "How long are gift cards valid?")
    assert any("3 years" in text for text in validity)
    assert not any("5 years" in text for text in validity)
    assert not any("engraved" in text for text in texts_found(pipeline, "engraved greeting"))
    # The same upload again finishes the job and clears what the cut-off one left.
    second = pipeline.ingest_bytes("gift.md", GIFT_V2.encode())
    assert (second.id, second.status, second.version) == (first.id, "updated", 2)
    assert pipeline.store.count() == second.chunks
    validity = texts_found(pipeline, "How long are gift cards valid?")
    assert any("5 years" in text for text in validity)
    assert not any("3 years" in text for text in validity)
    assert any("engraved" in text for text in texts_found(pipeline, "engraved greeting"))


def test_a_new_document_cut_off_before_the_catalog_is_never_seen(
    tmp_path: Path, embedder: Embedder, engine: Engine
) -> None:
    scanner = FailingScanner()
    pipeline = make_pipeline(tmp_path, embedder, scanner, engine=engine)
    scanner.fail = True
    with pytest.raises(RuntimeError, match="cut off"):
        pipeline.ingest_bytes("gift.md", GIFT_V2.encode())
    scanner.fail = False
    assert pipeline.store.count() > 0 and pipeline.catalog.find_by_filename("gift.md") is None
    assert texts_found(pipeline, "engraved greeting") == []
    made = pipeline.ingest_bytes("gift.md", GIFT_V2.encode())
    assert (made.status, made.version) == ("created", 1)
    assert pipeline.store.count() == made.chunks  # the same file found its own leftovers
    assert any("engraved" in text for text in texts_found(pipeline, "engraved greeting"))


def test_a_deleted_document_is_gone_from_every_search(
    tmp_path: Path, embedder: Embedder, engine: Engine
) -> None:
    pipeline = make_pipeline(tmp_path, embedder, engine=engine)
    made = pipeline.ingest_bytes("gift.md", GIFT_V2.encode())
    retriever = HybridRetriever(pipeline.store)
    assert retriever.search("engraved greeting", 3)  # builds the BM25 index with it
    pipeline.delete_document(made.id)
    assert pipeline.store.count() == 0
    assert retriever.search("engraved greeting", 3) == []
    assert pipeline.catalog.find_by_filename("gift.md") is None


def test_a_document_without_text_is_refused(tmp_path: Path, embedder: Embedder) -> None:
    pipeline = make_pipeline(tmp_path, embedder)
    with pytest.raises(EmptyDocument):
        pipeline.ingest_bytes("empty.md", b"# Only a title\n")
    assert pipeline.store.count() == 0


def test_a_title_longer_than_the_catalog_holds_is_cut(
    tmp_path: Path, embedder: Embedder, engine: Engine
) -> None:
    pipeline = make_pipeline(tmp_path, embedder, engine=engine)
    heading = "Delivery " * 80  # 720 characters
    made = pipeline.ingest_bytes("long.md", f"# {heading}\n\nParcels leave daily.\n".encode())
    record = pipeline.catalog.find_by_filename("long.md")
    assert record is not None and record.title == made.title == heading.strip()[:500]
