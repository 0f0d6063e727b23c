"""Intent features: sentence embeddings (meaning; the multilingual one across languages, an
English one for English nuance) joined with hashed character n-grams (exact wording, typos, and
Chinese words without a segmenter)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from models.embedder import Embedder
from models.intents.text import normalise


@dataclass(frozen=True)
class FeatureConfig:
    ngram_features: int = 2**15
    ngram_min: int = 1
    ngram_max: int = 3
    embedding_weight: float = 1.0
    ngram_weight: float = 1.0


class Featurizer:
    def __init__(self, embedders: Sequence[Embedder], config: FeatureConfig) -> None:
        if not embedders:
            raise ValueError("the intent featurizer needs at least one embedder")
        self.embedders = list(embedders)
        self.config = config
        self._ngrams = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(config.ngram_min, config.ngram_max),
            n_features=config.ngram_features,
            alternate_sign=False,
            norm="l2",
            lowercase=False,
        )

    @property
    def dimension(self) -> int:
        return sum(e.dimension for e in self.embedders) + self.config.ngram_features

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        cleaned = [normalise(t) for t in texts]
        dense = np.hstack([e.embed(list(texts)) for e in self.embedders])
        dense = dense * self.config.embedding_weight
        grams = self._ngrams.transform(cleaned) * self.config.ngram_weight
        return sparse.hstack([sparse.csr_matrix(dense.astype(np.float32)), grams], format="csr")
