"""`kefu eval ...`: the offline evaluation suite's command-line entry points."""

import argparse
import json
import sys
import time
from pathlib import Path

from evals.intents import evaluate, write_report
from models.embedder import create_embedder
from models.intents.dataset import Example, own_examples, read_csv, split
from models.intents.model import load_intent_model
from models.intents.train import ARTIFACT, DEFAULT_EMBEDDERS, train_model


def add_intent_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", type=Path, help="CSV text,label: train a fresh model on it")
    parser.add_argument("--test", type=Path, help="CSV text,label to evaluate on")
    parser.add_argument(
        "--split",
        type=float,
        metavar="SHARE",
        help="with --train and no --test: hold out this share of --train as the test set",
    )
    parser.add_argument(
        "--own-dev",
        choices=["en", "zh"],
        help="evaluate on the dev split of the project's own utterances in this language",
    )
    parser.add_argument(
        "--model", type=Path, default=ARTIFACT, help="the model used without --train"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--report", type=Path, metavar="DIR", help="write an HTML and Markdown report"
    )
    parser.add_argument("--min-accuracy", type=float, help="exit 1 below this accuracy")


def run_intents(args: argparse.Namespace) -> int:
    try:
        return _run_intents(args)
    except (OSError, ValueError) as exc:
        print(f"kefu eval intents: {exc}", file=sys.stderr)
        return 2


def _run_intents(args: argparse.Namespace) -> int:
    if args.test is None and not (args.train and args.split) and not args.own_dev:
        print(
            "kefu eval intents: give --test CSV, --own-dev LANG or --train CSV --split SHARE",
            file=sys.stderr,
        )
        return 2
    meta: dict[str, object] = {}
    test: list[Example]
    if args.train:
        train = read_csv(args.train)
        if args.test is None:
            train, test = split(train, args.split)
        else:
            test = read_csv(args.test)
        embedders = [create_embedder(spec) for spec in DEFAULT_EMBEDDERS]
        started = time.perf_counter()
        model = train_model(embedders, train)
        meta = {
            "trained_on": str(args.train),
            "train_examples": len(train),
            "train_seconds": round(time.perf_counter() - started, 1),
        }
    else:
        test = split(own_examples(args.own_dev))[1] if args.own_dev else read_csv(args.test)
        model = load_intent_model(args.model)
        meta = {"model": str(args.model)}
    if not test:
        print("kefu eval intents: the test set is empty", file=sys.stderr)
        return 2
    result = evaluate(model, test)
    result.meta = meta
    if args.report:
        source = args.test.name if args.test else args.train.name if args.train else "own dev"
        title = f"Intent accuracy report: {source}"
        paths = write_report(result, args.report, title)
        meta["report"] = str(paths["html"])
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(
            f"n={result.n} accuracy={result.accuracy:.4f} macro_f1={result.macro_f1:.4f} "
            f"ms_per_message={result.ms_per_message:.2f}"
            + (f" oos_recall={result.oos_recall:.4f}" if result.oos_recall is not None else "")
        )
        for key, value in meta.items():
            print(f"{key}: {value}")
    if args.min_accuracy is not None and result.accuracy < args.min_accuracy:
        print(f"accuracy {result.accuracy:.4f} is below {args.min_accuracy}", file=sys.stderr)
        return 1
    return 0


DEFAULT_ESCALATION_DATA = Path(__file__).resolve().parent / "data" / "escalation.jsonl"
DEMO_KB = Path(__file__).resolve().parent.parent / "kb" / "demo"


def add_escalation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=DEFAULT_ESCALATION_DATA, help="JSONL")
    parser.add_argument("--kb", type=Path, default=DEMO_KB, help="knowledge base folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--min-recall", type=float, help="exit 1 below this recall")


def run_escalation(args: argparse.Namespace) -> int:
    """Ingests --kb into a throw-away data folder and talks through every conversation with
    the configured stack (the bundled LLM by default)."""
    import asyncio
    import tempfile

    from app.container import build_container
    from app.core.config import Settings
    from app.core.metrics import REGISTRY
    from evals.escalation import evaluate as evaluate_escalation
    from evals.escalation import read_conversations

    try:
        conversations = read_conversations(args.data)
    except (OSError, ValueError) as exc:
        print(f"kefu eval escalation: {exc}", file=sys.stderr)
        return 2

    def tool_count(outcome: str) -> float:
        return sum(
            REGISTRY.get_sample_value("kefu_tool_calls_total", {"tool": tool, "outcome": outcome})
            or 0.0
            for tool in ("create_ticket", "request_human")
        )

    async def main() -> dict[str, object]:
        with tempfile.TemporaryDirectory(prefix="kefu-eval-") as data_dir:
            settings = Settings(data_dir=Path(data_dir), webhook_urls=[])
            async with build_container(settings) as container:
                container.pipeline.ingest_paths([args.kb])
                assert container.chat is not None
                before = tool_count("model"), tool_count("fallback")
                report = await evaluate_escalation(container.chat, conversations)
                summary = report.summary()
                summary["tool_arguments_from_model"] = tool_count("model") - before[0]
                summary["tool_arguments_fallback"] = tool_count("fallback") - before[1]
                return summary

    summary = asyncio.run(main())
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(
            f"n={summary['n']} precision={summary['precision']} recall={summary['recall']} "
            f"accuracy={summary['accuracy']} tool_turn_p50={summary['tool_turn_seconds_p50']}s "
            f"tool_turn_p95={summary['tool_turn_seconds_p95']}s"
        )
        for lang, rates in summary["by_language"].items():  # type: ignore[attr-defined]
            print(f"  {lang}: {rates}")
        for wrong in summary["wrong"]:  # type: ignore[attr-defined]
            print(f"  wrong: {wrong['id']} ({wrong['why']}) must_escalate={wrong['must_escalate']}")
    recall = float(summary["recall"])  # type: ignore[arg-type]
    if args.min_recall is not None and recall < args.min_recall:
        print(f"recall {recall:.4f} is below {args.min_recall}", file=sys.stderr)
        return 1
    return 0


DEFAULT_RAG_DATA = Path(__file__).resolve().parent / "data" / "rag_demo.jsonl"


def add_rag_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kb", type=Path, default=DEMO_KB, help="knowledge base folder")
    parser.add_argument("--qa", type=Path, default=DEFAULT_RAG_DATA, help="QA JSONL")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--report", type=Path, metavar="DIR", help="write rag.html and rag.json there"
    )
    parser.add_argument("--limit", type=int, help="only the first N questions")


def run_rag(args: argparse.Namespace) -> int:
    """Ingests --kb into a throw-away data folder and asks every question of --qa through the
    configured stack (the bundled LLM by default)."""
    import asyncio
    import tempfile

    from app.container import build_container
    from app.core.config import Settings
    from evals.rag import evaluate as evaluate_rag
    from evals.rag import read_qa, result_rows, write_html
    from ingest.parsers import parse_document
    from ingest.pipeline import expand_paths
    from models.language import detect_language

    try:
        questions = read_qa(args.qa)[: args.limit]
        files = expand_paths([args.kb])
        documents = {path.name: parse_document(path.name, path.read_bytes()).text for path in files}
    except (OSError, ValueError) as exc:
        print(f"kefu eval rag: {exc}", file=sys.stderr)
        return 2

    async def main() -> tuple[dict[str, object], object]:
        with tempfile.TemporaryDirectory(prefix="kefu-eval-") as data_dir:
            settings = Settings(data_dir=Path(data_dir), webhook_urls=[])
            async with build_container(settings) as container:
                started = time.perf_counter()
                container.pipeline.ingest_paths([args.kb])
                ingest_seconds = time.perf_counter() - started
                assert container.chat is not None and container.retriever is not None
                report = await evaluate_rag(
                    container.chat, container.retriever, questions, documents
                )
                report.document_languages = {
                    name: detect_language(text) for name, text in documents.items()
                }
                report.meta = {
                    "kb": str(args.kb),
                    "qa": str(args.qa),
                    "documents": len(documents),
                    "ingest_seconds": round(ingest_seconds, 2),
                    "llm": container.llm.name if container.llm else None,
                    "embedder": container.store.embedder.name,
                }
                return report.summary(), report

    summary, report = asyncio.run(main())
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        summary["report"] = str(write_html(report, summary, args.report / "rag.html"))  # type: ignore[arg-type]
        (args.report / "rag.json").write_text(
            json.dumps(
                {"summary": summary, "results": result_rows(report)},  # type: ignore[arg-type]
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    for key in (
        "n",
        "retrieval_hit_at_3",
        "key_fact_rate",
        "abstention_accuracy",
        "answered_when_answerable",
        "abstained_when_unanswerable",
        "faithful_answers",
        "cited_answers",
        "turn_seconds_p50",
        "turn_seconds_p95",
        "first_token_seconds_p50",
    ):
        print(f"{key}: {summary[key]}")
    for kind, figures in summary["by_kind"].items():  # type: ignore[attr-defined]
        print(f"  {kind}: {figures}")
    for miss in summary["misses"]:  # type: ignore[attr-defined]
        print(f"  miss {miss['id']}: {miss['question']!r} -> {miss['answer'][:120]!r}")
    return 0


DEFAULT_PII_DATA = Path(__file__).resolve().parent / "data" / "pii_test.jsonl"


def add_pii_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=DEFAULT_PII_DATA, help="labelled JSONL")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N misses")


def run_pii(args: argparse.Namespace) -> int:
    from evals.pii import evaluate as evaluate_pii
    from evals.pii import read_labelled
    from graphs.redaction.engine import Redactor

    try:
        rows = read_labelled(args.data)
    except (OSError, ValueError) as exc:
        print(f"kefu eval pii: {exc}", file=sys.stderr)
        return 2
    result = evaluate_pii(Redactor(), rows).to_json()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    overall = result["overall"]
    print(
        f"n={result['n']} precision={overall['precision']} recall={overall['recall']} "
        f"f2={overall['f2']} ms_per_text={result['ms_per_text']}"
    )
    for entity, scores in result["per_type"].items():
        print(
            f"  {entity:<10} precision {scores['precision']:.3f}  recall {scores['recall']:.3f}"
            f"  f2 {scores['f2']:.3f}  (n={scores['support']})"
        )
    for miss in result["misses"][: args.show]:
        print(f"  missed {miss['type']}: {miss['value']!r} ({miss['id']})")
    for alarm in result["false_alarms"][: args.show]:
        print(f"  false alarm {alarm['type']}: {alarm['value']!r} ({alarm['id']})")
    return 0
