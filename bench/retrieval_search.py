"""Search latency over one built store, in this process: the chat graph's call,
``HybridRetriever.search(query, k=6)``, with the query's embedding, timed per part."""

import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.retrieval_corpus import BenchQuery, ShopCorpus
from bench.retrieval_store import EMBEDDER, BuiltStore
from bench.retrieval_timing import CollectorPauses, Stopwatch, peak_rss_mb, percentile, rss_mb
from ingest import bm25, hybrid, vectors
from ingest.hybrid import HybridRetriever
from ingest.pipeline import IngestPipeline
from ingest.store import KnowledgeStore, create_chroma_client
from models.embedder import create_embedder
from models.llm import estimate_tokens

TOP_K = 6  # KEFU_RETRIEVAL_TOP_K
WARM_UP = 20
EDITED = "bench-edit.en.md"
EDIT_QUERY = "quokka mug"  # a word no other chunk has
EDIT_TEXT = (
    "# Quokka travel mug\n\n## Lid\n\nThe Quokka travel mug's lid seals with a bayonet twist; "
    "replace the gasket every six months.\n"
)


@dataclass(frozen=True)
class Opened:
    store: KnowledgeStore
    retriever: HybridRetriever
    pipeline: IngestPipeline
    engine: Any
    made_at: float  # when the retriever was made


def open_store(built: BuiltStore) -> Opened:
    """The store as the app opens it: persistent Chroma, the SQL catalog, the default
    embedder, a retriever with the app's settings."""
    from app.core.db import create_db_engine
    from app.services.catalog import SqlDocumentCatalog

    engine = create_db_engine(built.database_url)
    catalog = SqlDocumentCatalog(engine)
    embedder = create_embedder(EMBEDDER)
    # Every query is embedded, as a shopper's new question is: no cache of recent vectors.
    embedder = getattr(embedder, "inner", embedder)
    store = KnowledgeStore(
        create_chroma_client("", built.chroma_path), embedder, live_versions=catalog.live_versions
    )
    pipeline = IngestPipeline(store, catalog, estimate_tokens, 220, 30, 10 * 1024 * 1024)
    made_at = time.perf_counter()
    return Opened(store, HybridRetriever(store, candidates=20), pipeline, engine, made_at)


def instrument(opened: Opened) -> Stopwatch:
    """Timers around the parts of a search. The names of earlier versions of the retriever
    are timed too, when present, so a checkout from before can be measured the same way."""
    watch = Stopwatch()
    store, retriever = opened.store, opened.retriever
    parts: list[tuple[object, str, str]] = [
        (store.embedder, "embed", "embed query"),
        (store, "nearest", "dense (Chroma query)"),
        (store, "search_by_vector", "dense (Chroma query)"),  # before: both dense lists
        (store, "visible_ids", "visibility (Chroma get)"),
        (store, "matching_ids", "where filter (Chroma get)"),
        (store, "records", "records (Chroma get)"),  # before: the lexical index's source
        (store, "visible_chunks", "mirror reads (Chroma get)"),
        (store, "passages", "fetch passages (Chroma get)"),
        (store, "count", "count (Chroma)"),
        (store, "live", "catalog versions"),
        (retriever, "index", "lexical index upkeep"),
        (getattr(retriever, "mirror", None), "current", "lexical index upkeep"),
        (bm25.BM25Index, "search", "BM25 search"),
        (vectors.VectorIndex, "nearest", "other language (in memory)"),
        (hybrid, "reciprocal_rank_fusion", "fusion"),
    ]
    for owner, name, bucket in parts:
        if owner is not None and hasattr(owner, name):
            watch.wrap(owner, name, bucket)
    return watch


def measure(built: BuiltStore, corpus: ShopCorpus, queries: int) -> dict[str, Any]:
    """Opens the store, waits for the retriever's in-memory indexes (built in the background
    from its making; code from before built them in the first search), times the first
    search, warms up, then times ``queries`` searches; also a search right after an upload and
    after a deletion."""
    started = time.perf_counter()
    documents, _ = corpus.chunks(built.size)
    asked = corpus.queries(documents, queries + WARM_UP)
    opened = open_store(built)
    opened.store.count()
    open_seconds = time.perf_counter() - started
    watch = instrument(opened)
    retriever = opened.retriever

    mirror = getattr(retriever, "mirror", None)  # built in the background since the retriever
    if mirror is not None:
        mirror.wait_for_rebuild()
    index_build = time.perf_counter() - opened.made_at
    started = time.perf_counter()
    try:
        retriever.search(asked[0].text, TOP_K)
    except Exception as error:  # the store is too large for this code: say so, measure the rest
        return {"size": built.size, "documents": built.documents, "error": repr(error)[:300]}
    first_search = time.perf_counter() - started
    watch.take()
    for query in asked[queries:]:
        retriever.search(query.text, TOP_K)
    watch.take()

    timings: list[dict[str, Any]] = []
    with CollectorPauses() as collector:
        for query in asked[:queries]:
            started = time.perf_counter()
            found = retriever.search(query.text, TOP_K)
            total = time.perf_counter() - started
            parts = watch.take()
            timings.append(_timing(query, total, parts, [p.chunk_id for p in found], found))
    steady_rss = rss_mb()

    coverage_us = _coverage_microseconds(retriever, asked[:queries])
    edit = _edit_and_delete(opened)
    totals = [t["ms"] for t in timings]
    parts_mean = _mean_parts(timings)
    answered = [t for t in timings if t["document_id"]]
    return {
        "size": built.size,
        "documents": built.documents,
        "queries": len(timings),
        "p50_ms": round(statistics.median(totals), 2),
        "p95_ms": round(percentile(totals, 0.95), 2),
        "p99_ms": round(percentile(totals, 0.99), 2),
        "mean_ms": round(statistics.fmean(totals), 2),
        "max_ms": round(max(totals), 2),
        "parts_mean_ms": parts_mean,
        "hit_at_6": {
            kind: round(
                sum(t["hit"] for t in answered if t["kind"] == kind)
                / max(1, sum(1 for t in answered if t["kind"] == kind)),
                3,
            )
            for kind in ("product", "crossing")
        },
        "open_seconds": round(open_seconds, 2),
        "index_build_seconds": round(index_build, 2),
        "first_search_seconds": round(first_search, 3),
        "coverage_us": round(coverage_us, 1),
        "gc_full_pauses_ms": [round(seconds * 1000, 1) for seconds in collector.full()],
        **edit,
        "steady_rss_mb": round(steady_rss, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "build_embed_seconds": built.embed_seconds,
        "build_write_seconds": built.write_seconds,
        "timings": timings,
    }


def _timing(
    query: BenchQuery, total: float, parts: dict[str, float], ids: list[str], found: list[Any]
) -> dict[str, Any]:
    return {
        "query": query.text,
        "lang": query.lang,
        "kind": query.kind,
        "document_id": query.document_id,
        "hit": any(p.document_id == query.document_id for p in found),
        "ms": round(total * 1000, 3),
        "parts_ms": {name: round(s * 1000, 3) for name, s in parts.items()},
        "ids": ids,
    }


def _mean_parts(timings: list[dict[str, Any]]) -> dict[str, float]:
    names = sorted({name for t in timings for name in t["parts_ms"]})
    means = {
        name: statistics.fmean(t["parts_ms"].get(name, 0.0) for t in timings) for name in names
    }
    means["other (glue, language, visibility)"] = statistics.fmean(
        t["ms"] - sum(t["parts_ms"].values()) for t in timings
    )
    return {name: round(value, 3) for name, value in means.items()}


def _coverage_microseconds(retriever: HybridRetriever, queries: list[BenchQuery]) -> float:
    """The mean time of one coverage call (the evidence step makes dozens a turn)."""
    pairs = [
        (query.text, passage.text)
        for query in queries[:50]
        for passage in retriever.search(query.text, TOP_K)
    ]
    started = time.perf_counter()
    for query_text, text in pairs:
        retriever.coverage(query_text, text)
    return (time.perf_counter() - started) / max(1, len(pairs)) * 1e6


def _edit_and_delete(opened: Opened) -> dict[str, Any]:
    """A staff upload and a deletion in this process, each followed by a search for its rare
    word: the lexical index must follow at once, and the search pays for the upkeep."""
    pipeline, retriever = opened.pipeline, opened.retriever
    leftover = pipeline.catalog.find_by_filename(EDITED)
    if leftover is not None:
        pipeline.delete_document(leftover.id)
    made = pipeline.ingest_bytes(EDITED, EDIT_TEXT.encode())
    started = time.perf_counter()
    found = retriever.search(EDIT_QUERY, TOP_K)
    after_edit = time.perf_counter() - started
    pipeline.delete_document(made.id)
    started = time.perf_counter()
    gone = retriever.search(EDIT_QUERY, TOP_K)
    after_delete = time.perf_counter() - started
    return {
        "search_after_upload_ms": round(after_edit * 1000, 1),
        "upload_found": bool(found) and found[0].document == EDITED,
        "search_after_delete_ms": round(after_delete * 1000, 1),
        "deleted_gone": all(p.document != EDITED for p in gone),
    }
