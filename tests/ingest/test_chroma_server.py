"""Chroma in client-server mode: a real `chroma run` server, the same code as the embedded
folder, chosen by KEFU_CHROMA alone."""

from pathlib import Path

import httpx

from app.core.db import create_db_engine, migrate
from app.services.catalog import SqlDocumentCatalog
from ingest.hybrid import HybridRetriever
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import Embedder
from models.llm import estimate_tokens
from tests.conftest import DEMO_KB
from tests.live import kefu, live_server, server_env


def test_the_knowledge_base_lives_in_a_chroma_server(
    chroma_server: str, tmp_path: Path, embedder: Embedder, demo_files: list[Path]
) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'kefu.db'}")
    migrate(engine)
    store = KnowledgeStore(create_chroma_client(chroma_server, tmp_path / "unused"), embedder)
    assert store.heartbeat()
    pipeline = IngestPipeline(
        store, SqlDocumentCatalog(engine), estimate_tokens, 220, 30, 1_000_000
    )
    results = pipeline.ingest_paths(demo_files)
    assert {r.status for r in results} == {"created"}
    assert not (tmp_path / "unused").exists()  # nothing was written locally

    retriever = HybridRetriever(store, candidates=20)
    for question, topic in (("退货期限是多久？", "returns"), ("Do you ship for free?", "shipping")):
        found = retriever.search(question, 3)
        assert any(p.document.startswith(topic) for p in found), [p.document for p in found]

    again = pipeline.ingest_paths(demo_files[:1])
    assert again[0].status == "unchanged"
    first = results[0]
    store.delete_document(first.id)
    assert store.chunk_ids(first.id) == set()
    assert store.count() == sum(r.chunks for r in results[1:])


def test_the_service_answers_from_a_chroma_server(chroma_server: str, tmp_path: Path) -> None:
    env = server_env(tmp_path, chroma=chroma_server, llm_max_answer_tokens="120")
    kefu(env, "ingest", str(DEMO_KB / "shipping.zh.md"), str(DEMO_KB / "shipping.en.md"))
    with live_server(env) as base:
        assert httpx.get(f"{base}/readyz").json()["checks"]["knowledge_store"] is True
        done = httpx.post(
            f"{base}/v1/chat", json={"message": "订单满多少钱可以包邮？"}, timeout=120
        ).json()
    assert "199" in done["answer"]
    assert any(s["document"] == "shipping.zh.md" for s in done["sources"])
    assert not (tmp_path / "chroma").exists()
