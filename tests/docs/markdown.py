"""The manuals as the tests read them: their fenced blocks, and what they name (commands, API
calls, settings, metrics)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANUALS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND_SHELLS = {"bash", "sh", "shell", "console"}  # blocks of commands
SHELLS = COMMAND_SHELLS | {"text"}  # and blocks that may hold some
TESTED = "test"  # a block whose info string has this word (```bash test) is run against a server

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, counted from 1
    info: tuple[str, ...]  # the words after the fence: language first
    text: str

    @property
    def language(self) -> str:
        return self.info[0] if self.info else ""

    @property
    def tested(self) -> bool:
        return TESTED in self.info[1:]

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index])
            index += 1
        start = index - len(body)
        yield Block(path, start, tuple(opening["info"].split()), "\n".join(body) + "\n")
        index += 1


def all_blocks() -> list[Block]:
    return [block for path in MANUALS for block in blocks(path)]


def shell_lines(text: str) -> Iterator[str]:
    """The command lines of a shell block: continuations joined, comments and prompts dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    for raw in joined.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if line and not line.startswith("#"):
            yield line
