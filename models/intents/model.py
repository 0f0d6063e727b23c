"""The trained intent classifier: a multinomial logistic regression over Featurizer features,
with a temperature fitted on held-out data so its confidence is calibrated."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression

from models.embedder import Embedder
from models.intents import IntentResult, IntentScore
from models.intents.features import FeatureConfig, Featurizer

FloatArray = npt.NDArray[np.float32]


def softmax(logits: npt.NDArray[np.floating], temperature: float = 1.0) -> FloatArray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: FloatArray = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return result


class IntentModel:
    """Classifies shopper messages; trained with ``fit`` or loaded with ``load``."""

    def __init__(
        self,
        featurizer: Featurizer,
        labels: Sequence[str],
        weights: FloatArray,
        bias: FloatArray,
        temperature: float = 1.0,
    ) -> None:
        self.featurizer = featurizer
        self.labels = list(labels)
        self.weights = weights
        self.bias = bias
        self.temperature = temperature

    @classmethod
    def fit(
        cls,
        embedders: Sequence[Embedder],
        texts: Sequence[str],
        labels: Sequence[str],
        config: FeatureConfig | None = None,
        regularisation: float = 20.0,
        sample_weight: Sequence[float] | None = None,
    ) -> "IntentModel":
        """Train deterministically (lbfgs, no random state involved)."""
        featurizer = Featurizer(embedders, config or FeatureConfig())
        features = featurizer.transform(texts)
        classifier = LogisticRegression(C=regularisation, max_iter=600, tol=1e-4)
        classifier.fit(features, list(labels), sample_weight=sample_weight)
        return cls(
            featurizer,
            [str(label) for label in classifier.classes_],
            classifier.coef_.astype(np.float32),
            classifier.intercept_.astype(np.float32),
        )

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        features = self.featurizer.transform(texts)
        result: npt.NDArray[np.float32] = np.asarray(
            features @ self.weights.T + self.bias, dtype=np.float32
        )
        return result

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        return softmax(self.logits(texts), self.temperature)

    def calibrate(self, texts: Sequence[str], labels: Sequence[str]) -> float:
        """Fit the temperature that minimises the negative log-likelihood of ``labels``."""
        logits = self.logits(texts)
        index = {label: i for i, label in enumerate(self.labels)}
        targets = np.array([index[label] for label in labels])

        def nll(temperature: float) -> float:
            probabilities = softmax(logits, temperature)
            return float(-np.log(probabilities[np.arange(len(targets)), targets] + 1e-9).mean())

        found = minimize_scalar(nll, bounds=(0.05, 10.0), method="bounded")
        self.temperature = float(found.x)
        return self.temperature

    def classify_many(self, texts: Sequence[str], top: int = 3) -> list[IntentResult]:
        results = []
        for row in self.predict_proba(texts):
            order = np.argsort(-row)[:top]
            scores = [IntentScore(self.labels[i], round(float(row[i]), 4)) for i in order]
            results.append(IntentResult(scores[0].label, scores[0].score, scores))
        return results

    def classify(self, text: str) -> IntentResult:
        return self.classify_many([text])[0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "labels": self.labels,
            "temperature": self.temperature,
            "embedders": [e.name for e in self.featurizer.embedders],
            "features": asdict(self.featurizer.config),
        }
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            meta=np.array(json.dumps(meta)),
        )

    @staticmethod
    def embedders_of(path: Path) -> list[str]:
        """The embedder specs a saved model was trained with (to build them before loading)."""
        if not path.is_file():
            raise FileNotFoundError(
                f"intent model not found at {path}; train one with `python -m models.intents.train`"
            )
        with np.load(path, allow_pickle=False) as archive:
            return list(json.loads(str(archive["meta"]))["embedders"])

    @classmethod
    def load(cls, path: Path, embedders: Sequence[Embedder]) -> "IntentModel":
        if not path.is_file():
            raise FileNotFoundError(
                f"intent model not found at {path}; train one with `python -m models.intents.train`"
            )
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            weights = archive["weights"].astype(np.float32)
            bias = archive["bias"].astype(np.float32)
        given = [e.name for e in embedders]
        if meta["embedders"] != given:
            raise ValueError(
                f"{path} was trained with the embedders {meta['embedders']}, not {given}; "
                "retrain with `python -m models.intents.train`"
            )
        featurizer = Featurizer(embedders, FeatureConfig(**meta["features"]))
        return cls(featurizer, meta["labels"], weights, bias, float(meta["temperature"]))


def load_intent_model(path: Path, embedders: dict[str, Embedder] | None = None) -> IntentModel:
    """Load a saved model, building the embedders it was trained with (reusing given ones)."""
    from models.embedder import create_embedder

    cache = dict(embedders or {})
    specs = IntentModel.embedders_of(path)
    return IntentModel.load(path, [cache.get(spec) or create_embedder(spec) for spec in specs])
