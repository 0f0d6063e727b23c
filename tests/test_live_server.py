"""`kefu ingest`, `kefu keys create` and `kefu serve` as real processes, and the SSE stream
over a real socket."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEMO_KB, fresh_postgres_database
from tests.live import KEFU, kefu, live_server, server_env


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    event, data = "", []
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and event:
            yield event, json.loads("\n".join(data))
            event, data = "", []


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """A live server on SQLite files, and again with its tables and checkpoints in PostgreSQL."""
    with contextlib.ExitStack() as stack:
        databases = {}
        if request.param == "postgresql":
            url = stack.enter_context(fresh_postgres_database("kefu_live"))
            databases = {"database_url": url, "checkpoint_url": url}
        env = server_env(
            tmp_path_factory.mktemp(f"live-data-{request.param}"),
            llm_max_answer_tokens="160",
            # One turn at a time and one in line, so that a third is refused (the tests here
            # otherwise ask one question at a time).
            max_active_turns="1",
            max_waiting_turns="1",
            **databases,
        )
        assert kefu(env, "ingest", str(DEMO_KB)).count("created") == 16
        assert kefu(env, "ingest", str(DEMO_KB)).count("unchanged") == 16
        with live_server(env) as base:
            yield base, env


def test_stream_events_arrive_in_contract_order(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    body = {"message": "What are the membership tiers and how much do I need to spend for each?"}
    with httpx.stream("POST", f"{base}/v1/chat/stream", json=body, timeout=120) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(parse_sse(response.iter_lines()))
    names = [name for name, _ in events]
    assert names[0] == "session" and names[1] == "intent" and names[-1] == "done"
    assert names[-2] == "sources"
    tokens = [data["text"] for name, data in events if name == "token"]
    assert len(tokens) >= 2
    assert names.index("sources") > max(i for i, n in enumerate(names) if n == "token")
    done = events[-1][1]
    assert done["answer"] == "".join(tokens).strip()  # type: ignore[union-attr]
    sources = events[-2][1]["items"]
    assert sources and any(s["document"].startswith("membership") for s in sources)  # type: ignore[union-attr, index]
    assert done["sources"] == sources and done["session_id"] == events[0][1]["session_id"]


def test_a_client_that_disconnects_stops_its_turn(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    body = {"message": "Explain every step of the returns process in full detail, please."}
    with httpx.stream("POST", f"{base}/v1/chat/stream", json=body, timeout=120) as response:
        for name, _data in parse_sse(response.iter_lines()):
            if name == "token":
                break  # leave mid-answer
    deadline = time.monotonic() + 15
    cancelled = 0.0
    while time.monotonic() < deadline and cancelled < 1:
        for line in httpx.get(f"{base}/metrics").text.splitlines():
            if line.startswith('kefu_chat_turns_total{outcome="cancelled"}'):
                cancelled = float(line.split()[-1])
        time.sleep(0.3)
    assert cancelled >= 1
    follow_up = httpx.post(
        f"{base}/v1/chat", json={"message": "Which payment methods do you accept?"}, timeout=120
    )
    assert follow_up.status_code == 200 and follow_up.json()["answer"]


def metric(base: str, name: str) -> float:
    for line in httpx.get(f"{base}/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[-1])
    return 0.0


def wait_for_metric(base: str, name: str, value: float) -> None:
    deadline = time.monotonic() + 30
    while metric(base, name) != value:
        assert time.monotonic() < deadline, f"{name} never reached {value}"
        time.sleep(0.02)


def test_a_turn_beyond_the_line_is_refused_with_a_time_to_come_back(
    server: tuple[str, dict[str, str]],
) -> None:
    """The server runs one turn and keeps one in line: a third is refused at once with 429 and
    Retry-After, in the shopper's language, and the two before it are answered."""
    base, _ = server

    def ask(message: str) -> httpx.Response:
        return httpx.post(f"{base}/v1/chat", json={"message": message}, timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        # A hand-over: the model writes the ticket's fields, which takes a while.
        running = pool.submit(ask, "I want to talk to a real person about my order please")
        wait_for_metric(base, "kefu_chat_turns_active", 1)
        waiting = pool.submit(ask, "Which payment methods do you accept?")
        wait_for_metric(base, "kefu_chat_turns_waiting", 1)
        refused = httpx.post(
            f"{base}/v1/chat/stream",
            json={"message": "退货期限是多久？"},
            headers={"Accept-Language": "zh-CN"},
            timeout=30,
        )
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        error = refused.json()["error"]
        assert error["code"] == "server_busy" and "秒后再试" in error["message"]
        assert running.result().status_code == 200 and running.result().json()["tools"]
        assert waiting.result().status_code == 200 and waiting.result().json()["sources"]
    assert metric(base, "kefu_chat_turns_refused_total") >= 1
    assert metric(base, "kefu_chat_turns_active") == 0


def test_cli_keys_work_against_the_running_server(server: tuple[str, dict[str, str]]) -> None:
    base, env = server
    created = subprocess.run(
        [KEFU, "keys", "create", "--role", "staff", "--name", "kb-editor"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip()
    assert key.startswith("kefu_")
    response = httpx.get(f"{base}/v1/documents", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and len(response.json()["items"]) == 16


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs root")
def test_serves_and_answers_with_no_network_at_all(tmp_path: Path) -> None:
    """Set-up fetched the models; at run time nothing may reach the network (no model hub)."""
    result = subprocess.run(
        [
            "unshare",
            "--net",
            "bash",
            "-c",
            'ip link set lo up && exec "$0" -m tests.offline_probe "$1"',
            sys.executable,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=DEMO_KB.parent.parent,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    done = json.loads(result.stdout.strip().splitlines()[-1])
    assert done["answer"] and any(s["document"].startswith("shipping") for s in done["sources"])


def test_the_server_logs_one_json_line_per_request_with_its_id(
    server: tuple[str, dict[str, str]],
) -> None:
    base, env = server
    response = httpx.get(f"{base}/v1/sessions/not-a-session/messages")
    request_id = response.headers["x-request-id"]
    log = Path(env["KEFU_DATA_DIR"]) / "serve.log"
    deadline = time.monotonic() + 10
    found: list[dict[str, object]] = []
    while time.monotonic() < deadline and not found:
        entries = [
            json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")
        ]
        found = [e for e in entries if e.get("request_id") == request_id]
        time.sleep(0.2)
    assert found, log.read_text()[-2000:]
    access = found[-1]
    assert access["logger"] == "kefu.access" and access["status"] == 404
    assert access["route"] == "/v1/sessions/{session_id}/messages"
    assert isinstance(access["duration_ms"], float)
    # Nothing but JSON: uvicorn's own lines too.
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert all(line.startswith("{") for line in lines), [
        line for line in lines if not line.startswith("{")
    ][:5]
