"""Knowledge stores of the benchmark corpus, built once and kept under bench/out/retrieval/.

The chunks' vectors come from the real embedder and are cached in blocks of 1,000 (a smaller
store is the start of a larger one, so its blocks serve both, and an interrupted build goes on
where it stopped). Each store is a persistent Chroma folder and a SQLite document catalog, as
the app keeps them; ``manifest.json`` marks a store as whole.
"""

import json
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from bench.retrieval_corpus import ROOT, BenchDocument, ShopCorpus
from ingest.pipeline import DocumentRecord, embedding_text
from ingest.store import KnowledgeStore, StoredChunk, create_chroma_client
from models.embedder import Embedder, Vectors, create_embedder

CACHE = ROOT / "bench" / "out" / "retrieval"
BLOCK = 1000  # chunks per cached block of vectors
EMBEDDER = "use-multilingual"  # the app's default (KEFU_EMBEDDER)
WRITE_BATCH = 1000


@dataclass(frozen=True)
class BuiltStore:
    path: Path
    size: int
    documents: int
    embed_seconds: float  # embedding every chunk, one process
    write_seconds: float  # Chroma upserts and catalog records

    @property
    def chroma_path(self) -> Path:
        return self.path / "chroma"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.path / 'catalog.db'}"


def store_path(corpus: ShopCorpus, size: int) -> Path:
    return CACHE / corpus.key / f"store-{size}"


_worker_embedder: Embedder | None = None


def _start_worker() -> None:
    global _worker_embedder
    _worker_embedder = create_embedder(EMBEDDER)


def _embed_block(texts: Sequence[str]) -> tuple[Vectors, float]:
    assert _worker_embedder is not None
    started = time.perf_counter()
    vectors = _worker_embedder.embed(texts)
    return vectors, time.perf_counter() - started


def embed_chunks(corpus: ShopCorpus, chunks: Sequence[StoredChunk], jobs: int) -> float:
    """Embeds the chunks' blocks not cached yet (in ``jobs`` processes); the embedding seconds
    of all the chunks' blocks, as one process spent them."""
    folder = CACHE / corpus.key / "vectors"
    folder.mkdir(parents=True, exist_ok=True)
    starts = list(range(0, len(chunks), BLOCK))
    missing = [s for s in starts if not (folder / f"{s:07d}.json").exists()]
    if missing:
        done = len(starts) - len(missing)
        print(
            f"  embedding {len(missing) * BLOCK:,} chunks with {EMBEDDER} in {jobs} process(es)"
            f" ({done * BLOCK:,} cached)",
            flush=True,
        )
        started = time.monotonic()
        with ProcessPoolExecutor(jobs, get_context("spawn"), initializer=_start_worker) as pool:
            futures: dict[Future[tuple[Vectors, float]], int] = {
                pool.submit(_embed_block, [embedding_text(c) for c in chunks[s : s + BLOCK]]): s
                for s in missing
            }
            for count, future in enumerate(as_completed(futures), start=1):
                start = futures[future]
                vectors, seconds = future.result()
                np.save(folder / f"{start:07d}.npy", vectors)
                (folder / f"{start:07d}.json").write_text(
                    json.dumps({"chunks": len(vectors), "seconds": seconds})
                )
                elapsed = time.monotonic() - started
                left = elapsed / count * (len(missing) - count)
                print(
                    f"  {count * BLOCK:>7,}/{len(missing) * BLOCK:,} chunks embedded,"
                    f" {count * BLOCK / elapsed:5.1f} chunks/s, {left / 60:4.1f} min left",
                    flush=True,
                )
    return sum(float(json.loads((folder / f"{s:07d}.json").read_text())["seconds"]) for s in starts)


def load_vectors(corpus: ShopCorpus, start: int, count: int) -> Vectors:
    folder = CACHE / corpus.key / "vectors"
    vectors: Vectors = np.load(folder / f"{start - start % BLOCK:07d}.npy")
    return vectors[start % BLOCK : start % BLOCK + count]


def build_store(corpus: ShopCorpus, size: int, jobs: int) -> BuiltStore:
    """The store of the corpus's first ``size`` chunks, built unless cached."""
    path = store_path(corpus, size)
    manifest = path / "manifest.json"
    if manifest.exists():
        return BuiltStore(path=path, **json.loads(manifest.read_text()))
    from app.core.db import create_db_engine, migrate
    from app.services.catalog import SqlDocumentCatalog

    print(f"building the {size:,}-chunk store in {path}", flush=True)
    documents, chunks = corpus.chunks(size)
    embed_seconds = embed_chunks(corpus, chunks, jobs)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    started = time.perf_counter()
    engine = create_db_engine(f"sqlite:///{path / 'catalog.db'}")
    migrate(engine)
    catalog = SqlDocumentCatalog(engine)
    store = KnowledgeStore(
        create_chroma_client("", path / "chroma"),
        create_embedder(EMBEDDER),
        live_versions=catalog.live_versions,
    )
    for start in range(0, size, WRITE_BATCH):
        batch = chunks[start : start + WRITE_BATCH]
        store.add(batch, load_vectors(corpus, start, len(batch)))
        if (start // WRITE_BATCH) % 10 == 9:
            print(f"  {start + len(batch):>7,}/{size:,} chunks written", flush=True)
    for document in documents:
        catalog.save(_record(document))
    write_seconds = time.perf_counter() - started
    engine.dispose()
    built = {
        "size": size,
        "documents": len(documents),
        "embed_seconds": round(embed_seconds, 1),
        "write_seconds": round(write_seconds, 1),
    }
    manifest.write_text(json.dumps(built, indent=2))
    return BuiltStore(path=path, **built)  # type: ignore[arg-type]


def _record(document: BenchDocument) -> DocumentRecord:
    text = "\n".join(c.text for c in document.chunks)
    return DocumentRecord(
        id=document.id,
        filename=document.filename,
        title=document.title,
        lang=document.lang,
        content_hash=f"bench-{document.index}-{len(document.chunks)}",
        size_bytes=len(text.encode()),
        chunks=len(document.chunks),
        updated_at=datetime.now(UTC),
        version=document.version,
    )
