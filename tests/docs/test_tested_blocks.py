"""The manuals' blocks marked for testing (```bash test) run against a live server, as a reader
runs them after `make run`: localhost:8000 is the server, `my-admin-key` its bootstrap admin
key, and the working folder sees the project's .venv, kb, evals and docs. curl fails on an
HTTP error, so a renamed path or a refused request fails here."""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.markdown import ROOT, Block, all_blocks
from tests.live import kefu, live_server, server_env

BOOTSTRAP_ADMIN_KEY = "my-admin-key"
SHARED_FOLDERS = (".venv", "kb", "evals", "docs")
# curl as the manuals write it, but failing on an HTTP error with the answer shown.
CURL_FAILS = 'curl() { command curl --fail-with-body --silent --show-error "$@"; }\n'


def once_each(blocks: list[Block]) -> list[Block]:
    """The blocks marked for testing; one written the same in both languages' manuals once."""
    seen: set[str] = set()
    chosen = []
    for block in blocks:
        if block.tested and block.text not in seen:
            seen.add(block.text)
            chosen.append(block)
    return chosen


TESTED = once_each(all_blocks())


def test_the_manuals_mark_blocks_for_testing() -> None:
    assert len(TESTED) >= 3
    assert {block.language for block in TESTED} <= {"bash", "sh"}


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    env = server_env(tmp_path_factory.mktemp("docs-data"), bootstrap_admin_key=BOOTSTRAP_ADMIN_KEY)
    kefu(env, "ingest", str(ROOT / "kb" / "demo"))
    with live_server(env) as base:
        yield base, env


def as_run_here(block: Block, base: str) -> str:
    return CURL_FAILS + re.sub(r"(https?://)?(localhost|127\.0\.0\.1):8000", base, block.text)


@pytest.mark.parametrize("block", [pytest.param(block, id=block.where) for block in TESTED])
def test_a_block_marked_for_testing_runs(
    block: Block, docs_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = docs_server
    for name in SHARED_FOLDERS:
        (tmp_path / name).symlink_to(ROOT / name)
    script = as_run_here(block, base)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={**env, "PATH": f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{block.where} failed:\n{block.text}\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}"
    )
