"""Intent classification latency, one message at a time, with the shipped model.

.venv/bin/python -m bench.intent_latency
"""

import statistics
import time

from models.intents import SHIPPED_MODEL
from models.intents.dataset import own_examples
from models.intents.model import load_intent_model


def main() -> None:
    model = load_intent_model(SHIPPED_MODEL)
    texts = [e.text for lang in ("en", "zh") for e in own_examples(lang)[:150]]
    for text in texts[:20]:  # warm-up
        model.classify(text)
    timings = []
    for text in texts:
        started = time.perf_counter()
        model.classify(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"{'messages':<12}{len(timings):>8}")
    print(f"{'p50 ms':<12}{statistics.median(timings):>8.2f}")
    print(f"{'p95 ms':<12}{timings[int(len(timings) * 0.95) - 1]:>8.2f}")
    print(f"{'mean ms':<12}{statistics.fmean(timings):>8.2f}")


if __name__ == "__main__":
    main()
