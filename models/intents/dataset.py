"""Labelled utterances: reading `text,label` CSVs, the project's own data, and the dev split."""

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from models.intents import LABELS, OUT_OF_SCOPE
from models.language import LANGUAGES

DATA_DIR = Path(__file__).resolve().parent / "data"
DEV_SHARE = 0.2


def shared_datasets_dir() -> Path:
    """``KEFU_SHARED_DATASETS``, else the ``shared/datasets`` folder beside the checkout."""
    configured = os.environ.get("KEFU_SHARED_DATASETS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def read_csv(path: Path, text_column: str = "text", label_column: str = "label") -> list[Example]:
    """Rows of a CSV with a text and a label column (BOM and blank rows tolerated)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {text_column, label_column} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path}: missing column(s) {sorted(missing)}; need {text_column},{label_column}"
            )
        return [
            Example(row[text_column].strip(), row[label_column].strip())
            for row in reader
            if row.get(text_column, "").strip() and row.get(label_column, "").strip()
        ]


def is_dev(text: str, share: float = DEV_SHARE) -> bool:
    """A stable, content-based split: the same text is always on the same side."""
    digest = hashlib.sha256(text.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def split(
    examples: Iterable[Example], share: float = DEV_SHARE
) -> tuple[list[Example], list[Example]]:
    train: list[Example] = []
    dev: list[Example] = []
    for example in examples:
        (dev if is_dev(example.text, share) else train).append(example)
    return train, dev


def own_examples(lang: str) -> list[Example]:
    """The project's own utterances in ``lang`` (every ``data/<lang>_*.csv``)."""
    return [e for path in sorted(DATA_DIR.glob(f"{lang}_*.csv")) for e in read_csv(path)]


# CLINC150 intents that are plainly not a shop's business: their utterances teach `oos`.
CLINC_OUT_OF_SCOPE_INTENTS = (
    "alarm",
    "book_flight",
    "book_hotel",
    "calculator",
    "calories",
    "car_rental",
    "cook_time",
    "current_location",
    "date",
    "definition",
    "directions",
    "distance",
    "exchange_rate",
    "flight_status",
    "flip_coin",
    "fun_fact",
    "gas",
    "how_old_are_you",
    "ingredients_list",
    "international_visa",
    "jump_start",
    "meaning_of_life",
    "measurement_conversion",
    "meeting_schedule",
    "next_holiday",
    "next_song",
    "oil_change_how",
    "play_music",
    "recipe",
    "restaurant_suggestion",
    "roll_dice",
    "spelling",
    "tell_joke",
    "time",
    "timer",
    "timezone",
    "traffic",
    "translate",
    "travel_suggestion",
    "uber",
    "vaccines",
    "weather",
    "what_are_your_hobbies",
    "what_is_your_name",
    "where_are_you_from",
    "oos",
)


def shop_corpus(shared_datasets: Path | None) -> dict[str, list[Example]]:
    """The training corpus of the shipped model, by source.

    Bitext (English, the taxonomy's own data) and CLINC150 (English out-of-scope utterances)
    are read from the shared datasets folder when it is there; the project's own English and
    Chinese utterances always are.
    """
    corpus = {f"own_{lang}": own_examples(lang) for lang in sorted(LANGUAGES)}
    if shared_datasets is not None and shared_datasets.is_dir():
        bitext = shared_datasets / "bitext_train.csv"
        corpus["bitext"] = read_csv(bitext, "text", "intent")
        clinc = shared_datasets / "clinc150_train.csv"
        keep = set(CLINC_OUT_OF_SCOPE_INTENTS)
        clinc_oos = [e for e in read_csv(clinc) if e.label in keep]
        # Every 5th utterance per intent: enough variety without drowning the shop's intents.
        corpus["clinc_oos"] = [
            Example(e.text, OUT_OF_SCOPE) for i, e in enumerate(clinc_oos) if i % 5 == 0
        ]
    for source, examples in corpus.items():
        unknown = {e.label for e in examples} - set(LABELS)
        if unknown:
            raise ValueError(f"{source}: labels outside the taxonomy: {sorted(unknown)}")
    return corpus
