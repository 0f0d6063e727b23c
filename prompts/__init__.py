"""Prompt files and their loader. Each prompt exists per language; its version is its hash."""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent


class PromptNotFound(LookupError):
    """A prompt file is missing: a deployment error, never silently replaced."""


@dataclass(frozen=True)
class Prompt:
    name: str
    lang: str
    text: str

    @property
    def version(self) -> str:
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:10]
        return f"{self.name}.{self.lang}@{digest}"

    def render(self, **values: str) -> str:
        """Fill ``$placeholders``; a missing value raises KeyError."""
        return Template(self.text).substitute(values)


@cache
def load_prompt(name: str, lang: str) -> Prompt:
    path = PROMPTS_DIR / f"{name}.{lang}.md"
    if not path.is_file():
        raise PromptNotFound(f"prompt {name!r} for language {lang!r} not found at {path}")
    return Prompt(name=name, lang=lang, text=path.read_text(encoding="utf-8").strip())
