"""Retrieval latency at 1k, 10k and 100k chunks, ingestion throughput, and the peak memory of
each.

    .venv/bin/python -m bench.retrieval [--sizes 1000,10000,100000] [--queries 240]
                                        [--pages 120] [--jobs 2] [--baseline FILE]

Builds knowledge stores of a generated shop corpus (bench/retrieval_corpus.py: half Chinese,
half English, ~20 chunks a document, 100-220 tokens a chunk) with the real stack: persistent
Chroma, the SQL document catalog and the default embedder. Embedding 100k chunks takes a
while; the stores are kept under bench/out/retrieval/ (keyed by the corpus generator's
version), so a re-run only measures.

Each size is measured in a fresh process, so its peak memory is its own: the first search
(it builds the lexical index), a warm-up, then ``--queries`` searches through
``HybridRetriever.search(query, k=6)``, the chat graph's call, with the query's embedding;
p50/p95/mean, where the time goes, hit@6 for product questions (same language and the other),
and a search right after an upload and after a deletion in the same process. Ingestion is
measured apart: PDFs and Markdown through the real pipeline. ``--baseline`` compares the
top-6 lists with an earlier run's JSON. Prints tables and writes bench/out/retrieval.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.retrieval_corpus import ROOT, ShopCorpus

OUT = ROOT / "bench" / "out"


def _child(arguments: list[str]) -> dict[str, Any]:
    """Runs this module in a fresh process for one job; its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        subprocess.run(
            [sys.executable, "-m", "bench.retrieval", *arguments, "--result", result.name],
            check=True,
            env={"PYTHONPATH": str(ROOT), **os.environ},
        )
        loaded: dict[str, Any] = json.loads(Path(result.name).read_text())
        return loaded


def _print_search(rows: list[dict[str, Any]]) -> None:
    print()
    print(
        f"{'chunks':>8}{'docs':>7}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'p99 ms':>9}"
        f"{'peak RSS MB':>13}{'build s':>10}{'index s':>9}{'upload ms':>11}{'hit@6':>13}"
    )
    for row in rows:
        if "error" in row:
            print(f"{row['size']:>8,}{row['documents']:>7,}  search failed: {row['error']}")
            continue
        build = row["build_embed_seconds"] + row["build_write_seconds"]
        index = row.get("index_build_seconds", 0.0) + row["first_search_seconds"]
        hits = f"{row['hit_at_6']['product']:.2f}/{row['hit_at_6']['crossing']:.2f}"
        print(
            f"{row['size']:>8,}{row['documents']:>7,}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['mean_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['peak_rss_mb']:>13.0f}"
            f"{build:>10.0f}{index:>9.1f}"
            f"{row['search_after_upload_ms']:>11.1f}{hits:>13}"
        )
    print(
        "  build s: embedding every chunk (one process) + Chroma and catalog writes; index s:"
        " from making the retriever to the end of the first search (the in-memory indexes are"
        " built); upload ms: the first search after an upload in the same process; hit@6:"
        " product questions found in the top 6, same language / the other"
    )
    measured = [row for row in rows if "error" not in row]
    found = all(row["upload_found"] for row in measured)
    gone = all(row["deleted_gone"] for row in measured)
    print(
        f"  the uploaded document was {'found' if found else 'NOT found at every size'} by its"
        f" rare word at once; after its deletion it was {'gone' if gone else 'STILL FOUND'}"
    )
    print()
    rows = measured
    if not rows:
        return
    names = list(rows[-1]["parts_mean_ms"])
    print(f"{'mean ms per search':<36}" + "".join(f"{r['size']:>10,}" for r in rows))
    for name in names:
        print(f"{name:<36}" + "".join(f"{r['parts_mean_ms'].get(name, 0.0):>10.2f}" for r in rows))
    print(f"{'coverage() per call, µs':<36}" + "".join(f"{r['coverage_us']:>10.1f}" for r in rows))
    print(
        f"{'full GC pauses (count/longest ms)':<36}"
        + "".join(
            f"{len(r['gc_full_pauses_ms'])}/{max(r['gc_full_pauses_ms'], default=0):.0f}".rjust(10)
            for r in rows
        )
    )


def _print_ingest(result: dict[str, Any]) -> None:
    print()
    print(
        f"{'ingestion':<12}{'docs':>6}{'pages':>7}{'chunks':>8}{'seconds':>9}{'pages/s':>9}"
        f"{'chunks/s':>10}"
    )
    for kind in ("pdf", "markdown", "all"):
        row = result[kind]
        print(
            f"{kind:<12}{row['documents']:>6}{row['pages']:>7}{row['chunks']:>8}"
            f"{row['seconds']:>9.1f}{row['pages_per_second']:>9.2f}{row['chunks_per_second']:>10.1f}"
        )
    shares = result["all"]["parts_share"]
    print(
        "  time: " + ", ".join(f"{name} {share:.0%}" for name, share in shares.items()) + ";"
        f" peak RSS {result['peak_rss_mb']:.0f} MB (models {result['load_seconds']:.0f} s to load,"
        " not counted)"
    )
    print(
        "  a page: a generated A4 PDF page (11 pt), or 500 English words / 800 Chinese"
        " characters of Markdown"
    )


def _compare(rows: list[dict[str, Any]], baseline_path: Path) -> dict[str, Any]:
    """How much of each query's top 6 an earlier run also returned."""
    baseline = {r["size"]: r for r in json.loads(baseline_path.read_text())["search"]}
    compared: dict[str, Any] = {}
    for row in rows:
        before = baseline.get(row["size"])
        if before is None or "error" in before or "error" in row:
            continue
        earlier = {t["query"]: t["ids"] for t in before["timings"]}
        overlaps = [
            len(set(t["ids"]) & set(earlier[t["query"]])) / max(1, len(t["ids"]))
            for t in row["timings"]
            if t["query"] in earlier
        ]
        same_top = [
            bool(t["ids"]) and t["ids"][:1] == earlier[t["query"]][:1]
            for t in row["timings"]
            if t["query"] in earlier
        ]
        compared[str(row["size"])] = {
            "overlap_at_6": round(sum(overlaps) / max(1, len(overlaps)), 3),
            "same_first": round(sum(same_top) / max(1, len(same_top)), 3),
            "baseline_p50_ms": before["p50_ms"],
            "baseline_p95_ms": before["p95_ms"],
        }
    print()
    print(f"against {baseline_path}:")
    for size, c in compared.items():
        print(
            f"  {int(size):>8,} chunks: top-6 overlap {c['overlap_at_6']:.1%}, same first"
            f" {c['same_first']:.1%}; baseline p50 {c['baseline_p50_ms']} ms,"
            f" p95 {c['baseline_p95_ms']} ms"
        )
    return compared


def main() -> int:
    parser = argparse.ArgumentParser(description="Retrieval latency, ingestion throughput, memory")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--pages", type=int, default=120, help="ingestion pages; 0: skip")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="embedding processes")
    parser.add_argument("--baseline", type=Path, help="an earlier retrieval.json to compare with")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ingest", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.build or args.measure or args.ingest:  # one job, in a fresh process
        return _run_job(args)

    sizes = [int(size) for size in args.sizes.split(",") if size]
    corpus = ShopCorpus()
    print(f"corpus {corpus.key}: sizes {sizes}, {args.queries} queries each", flush=True)
    for size in sizes:
        _child(["--build", str(size), "--jobs", str(args.jobs)])
    rows = []
    for size in sizes:
        print(f"measuring {size:,} chunks", flush=True)
        rows.append(_child(["--measure", str(size), "--queries", str(args.queries)]))
    ingestion = None
    if args.pages:
        print(f"ingesting ~{args.pages} pages", flush=True)
        ingestion = _child(["--ingest", "--pages", str(args.pages)])
    if rows:
        _print_search(rows)
    if ingestion is not None:
        _print_ingest(ingestion)
    compared = _compare(rows, args.baseline) if args.baseline else None
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "retrieval.json").write_text(
        json.dumps(
            {
                "corpus": corpus.key,
                "cpus": os.cpu_count(),
                "search": rows,
                "ingestion": ingestion,
                "baseline": compared,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return 0


def _run_job(args: argparse.Namespace) -> int:
    corpus = ShopCorpus()
    result: dict[str, Any]
    if args.build:
        from bench.retrieval_store import build_store

        built = build_store(corpus, args.build, args.jobs)
        result = {"size": built.size, "path": str(built.path)}
    elif args.measure:
        from bench.retrieval_search import measure
        from bench.retrieval_store import build_store

        result = measure(build_store(corpus, args.measure, args.jobs), corpus, args.queries)
    else:
        from bench.retrieval_ingest import measure as measure_ingestion

        result = measure_ingestion(corpus, args.pages)
    args.result.write_text(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
