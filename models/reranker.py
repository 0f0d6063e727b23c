"""Cross-encoder rerankers: a sentence-transformers CrossEncoder by name or local path.

None is bundled (no cross-encoder weights are installable offline); a shop that has one, such
as BAAI/bge-reranker-v2-m3 on disk, names it in KEFU_RERANKER.
"""

import os
from collections.abc import Sequence


class CrossEncoderReranker:
    def __init__(self, name_or_path: str, batch_size: int = 16) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        self.name = f"cross-encoder:{name_or_path}"
        self._model = CrossEncoder(name_or_path, device="cpu")
        self._batch_size = batch_size

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        scores = self._model.predict(
            [(query, text) for text in texts], batch_size=self._batch_size, show_progress_bar=False
        )
        return [float(s) for s in scores]


def create_reranker(spec: str) -> CrossEncoderReranker | None:
    """The reranker named by a setting: empty for none, else a cross-encoder name or path."""
    spec = spec.strip()
    return CrossEncoderReranker(spec) if spec else None
