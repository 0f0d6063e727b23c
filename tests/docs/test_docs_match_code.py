"""What the manuals name exists in the code: every `kefu` command line parses, every API call
has its route, every KEFU_ setting and kefu_ metric is real. A renamed flag, path, setting or
metric fails here, in whichever language's manual it is written."""

import re
import shlex
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.routing import Match

from app.cli import build_parser
from app.core.config import Settings
from app.core.metrics import REGISTRY
from app.main import create_app
from tests.docs.markdown import COMMAND_SHELLS, MANUALS, SHELLS, Block, all_blocks, shell_lines

# Shell variables the manuals' examples set for themselves, not settings.
EXAMPLE_VARIABLES = {"KEFU_URL", "KEFU_ADMIN_KEY", "KEFU_STAFF_KEY", "KEFU_AGENT_KEY"}
_OPERATORS = {"&&", "||", ";", "|"}
_CALL = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+`?(/[^\s`)\"',;]*)")
_CURL_URL = re.compile(
    r"(?:\$\{?KEFU_URL\}?|https?://[\w.:\-]+|\b(?:localhost|127\.0\.0\.1):\d+)(/[^\s\"'`)]*)"
)


def kefu_commands(block: Block) -> Iterator[list[str]]:
    """The arguments of each `kefu` invocation in a shell block."""
    for line in shell_lines(block.text):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        command: list[str] = []
        for word in [*words, ";"]:
            if word not in _OPERATORS:
                command.append(word)
                continue
            for index, token in enumerate(command):
                program = index == 0 or token.endswith("/kefu") or command[index - 1] == "--"
                if program and (token == "kefu" or token.endswith("/bin/kefu")):
                    yield [re.sub(r"^<.*>$", "x", arg) for arg in command[index + 1 :]]
                    break
            command = []


KEFU_COMMANDS = [
    pytest.param(args, id=f"{block.where} kefu {' '.join(args)}"[:120])
    for block in all_blocks()
    if block.language in COMMAND_SHELLS
    for args in kefu_commands(block)
]


def test_the_manuals_show_kefu_commands() -> None:
    assert len(KEFU_COMMANDS) >= 10


@pytest.mark.parametrize("args", KEFU_COMMANDS)
def test_a_kefu_command_in_the_manuals_parses(args: list[str]) -> None:
    parser = build_parser()
    try:
        parser.parse_args(args)
    except SystemExit as exit_:
        assert exit_.code == 0, f"`kefu {' '.join(args)}` does not parse"


def has_route(app: FastAPI, method: str, path: str) -> bool:
    """Whether the app's router would serve ``method path`` (not 404 or 405)."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def api_calls() -> Iterator[tuple[str, str, str]]:
    """(where, method, path) of each call the manuals show: "POST /v1/..." in the text, and the
    URL of each curl line (GET unless it sends data or names a method)."""
    for manual in MANUALS:
        text = manual.read_text(encoding="utf-8")
        for match in _CALL.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield f"{manual.name}:{line}", match[1], match[2]
    for block in all_blocks():
        if block.language not in SHELLS:
            continue
        for line in shell_lines(block.text):
            if not line.startswith("curl"):
                continue
            method = re.search(r"(?:-X|--request)\s+(\w+)", line)
            sends = re.search(r"\s(-d|--data\S*|-F|--form|--json|-T)\s", line)
            for url in _CURL_URL.finditer(line):
                verb = method[1] if method else ("POST" if sends else "GET")
                yield block.where, verb, url[1]


def test_every_api_call_in_the_manuals_has_its_route() -> None:
    app = create_app()
    missing = []
    for where, method, raw in api_calls():
        path = re.sub(r"<[^>]+>|\{[^}]+\}", "x", raw.split("?")[0].split("#")[0]).rstrip(".:")
        if not has_route(app, method, path):
            missing.append(f"{where}: {method} {raw}")
    assert missing == []


def test_every_setting_named_in_the_manuals_exists() -> None:
    settings = {f"KEFU_{name.upper()}" for name in Settings.model_fields} | EXAMPLE_VARIABLES
    unknown = {
        f"{manual.name}: {name}"
        for manual in MANUALS
        for name in re.findall(r"\bKEFU_[A-Z0-9_]+\b", manual.read_text(encoding="utf-8"))
        if name not in settings
    }
    assert unknown == set()


def test_every_metric_named_in_the_manuals_exists() -> None:
    families = {metric.name for metric in REGISTRY.collect()}
    suffixes = ("_total", "_bucket", "_count", "_sum", "_created")
    unknown = set()
    for manual in MANUALS:
        for name in re.findall(r"\bkefu_[a-z_]+\b", manual.read_text(encoding="utf-8")):
            base = next((name[: -len(s)] for s in suffixes if name.endswith(s)), name)
            if name not in families and base not in families:
                unknown.add(f"{manual.name}: {name}")
    assert unknown == set()


def test_every_link_and_image_in_the_manuals_leads_to_a_file() -> None:
    broken = []
    for manual in MANUALS:
        text = manual.read_text(encoding="utf-8")
        for target in re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:|#", target):  # a web address, mail, or a heading here
                continue
            if not (manual.parent / target.split("#")[0]).exists():
                broken.append(f"{manual.name}: {target}")
    assert broken == []
