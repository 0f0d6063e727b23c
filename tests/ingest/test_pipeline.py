"""Ingestion into the real Chroma store with the real embedder; retrieval in both languages."""

from pathlib import Path

import pytest

from app.core.db import create_db_engine, migrate
from app.services.catalog import SqlDocumentCatalog
from ingest.errors import EmptyDocument
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import Embedder
from models.llm import estimate_tokens
from tests.fakes import FailingEmbedder


def make_pipeline(tmp_path: Path, embedder: Embedder) -> IngestPipeline:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
    migrate(engine)
    store = KnowledgeStore(create_chroma_client("", tmp_path / "chroma"), embedder)
    return IngestPipeline(store, SqlDocumentCatalog(engine), estimate_tokens, 220, 30, 1_000_000)


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
    tmp_path: Path, embedder: Embedder
) -> None:
    pipeline = make_pipeline(tmp_path, embedder)
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
    tmp_path: Path, embedder: Embedder
) -> None:
    failing = FailingEmbedder(embedder)
    pipeline = make_pipeline(tmp_path, failing)  # type: ignore[arg-type]
    pipeline.ingest_bytes("gift.md", b"# Gift cards\n\nGift cards are valid for 3 years.\n")
    failing.fail = True
    with pytest.raises(RuntimeError, match="embedder down"):
        pipeline.ingest_bytes("gift.md", b"# Gift cards\n\nGift cards are valid for 5 years.\n")
    failing.fail = False
    hit = pipeline.store.search("gift card validity", 1)[0]
    assert "3 years" in hit.text
    assert pipeline.catalog.find_by_filename("gift.md").chunks == 1  # type: ignore[union-attr]


def test_a_document_without_text_is_refused(tmp_path: Path, embedder: Embedder) -> None:
    pipeline = make_pipeline(tmp_path, embedder)
    with pytest.raises(EmptyDocument):
        pipeline.ingest_bytes("empty.md", b"# Only a title\n")
    assert pipeline.store.count() == 0
