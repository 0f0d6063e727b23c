"""Train the shipped intent model: ``python -m models.intents.train [--shared DIR] [--out FILE]``.

Deterministic: the same data gives the same model. Every source is split by content hash into
train (80%) and dev (20%); the model is fitted on the train parts, its temperature on the dev
parts, and the dev figures are printed and written beside the model.
"""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from models.embedder import BUNDLED_ENGLISH_EMBEDDER, Embedder, create_embedder
from models.intents import SHIPPED_MODEL
from models.intents.dataset import Example, shared_datasets_dir, shop_corpus, split
from models.intents.model import IntentModel

ARTIFACT = SHIPPED_MODEL
DEFAULT_EMBEDDERS = ("use-multilingual", BUNDLED_ENGLISH_EMBEDDER)


def train_model(
    embedders: Sequence[Embedder], examples: Sequence[Example], calibration: Sequence[Example] = ()
) -> IntentModel:
    """The product's own training method, for the shipped model and for any `text,label` file."""
    model = IntentModel.fit(embedders, [e.text for e in examples], [e.label for e in examples])
    known = set(model.labels)
    held_out = [e for e in calibration if e.label in known]
    if held_out:
        model.calibrate([e.text for e in held_out], [e.label for e in held_out])
    return model


def accuracy(model: IntentModel, examples: Sequence[Example]) -> float:
    results = model.classify_many([e.text for e in examples])
    return sum(r.label == e.label for r, e in zip(results, examples, strict=True)) / len(examples)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train Kefu's shipped intent model")
    parser.add_argument(
        "--shared", type=Path, default=shared_datasets_dir(), help="shared datasets folder"
    )
    parser.add_argument("--out", type=Path, default=ARTIFACT)
    args = parser.parse_args(argv)
    if not (args.shared / "bitext_train.csv").is_file():
        print(f"Bitext not found under {args.shared}: pass --shared DIR", file=sys.stderr)
        return 2

    corpus = shop_corpus(args.shared)
    train: list[Example] = []
    dev: dict[str, list[Example]] = {}
    for source, examples in corpus.items():
        source_train, dev[source] = split(examples)
        train += source_train
    embedders = [create_embedder(spec) for spec in DEFAULT_EMBEDDERS]
    started = time.perf_counter()
    model = train_model(embedders, train, [e for part in dev.values() for e in part])
    seconds = time.perf_counter() - started
    model.save(args.out)
    report = {
        "train_examples": len(train),
        "train_seconds": round(seconds, 1),
        "temperature": round(model.temperature, 3),
        "dev_accuracy": {source: round(accuracy(model, part), 4) for source, part in dev.items()},
        "dev_examples": {source: len(part) for source, part in dev.items()},
    }
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
