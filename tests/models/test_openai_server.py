"""The OpenAI-compatible provider against a real llama.cpp server: llama-cpp-python's own
(`python -m llama_cpp.server`) serving the bundled model, started once for the module.

The in-process provider is the reference: at temperature 0 the server must write the same
text and the same tool arguments. Then a whole chat turn through `kefu serve` with `KEFU_LLM`
pointing at the server, and the server killed in the middle of a reply.

The server runs with `--interrupt_requests False`, as Kefu needs it to: by default it cuts a
reply short whenever another request arrives (several shoppers at once).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from graphs.chat.messages import ANSWER_LEAD
from graphs.chat.tool_arguments import FilledArguments, argument_prompt, fill_arguments
from graphs.chat.tools import CreateTicketArgs, RequestHumanArgs
from models.bundled import DEFAULT_LLM
from models.llm import (
    ChatMessage,
    ChatModel,
    GenerationOptions,
    LLMError,
    OpenAICompatibleChatModel,
    astream,
    create_chat_model,
)
from tests.conftest import DEMO_KB
from tests.live import free_port, kefu, live_server, server_env
from tests.test_live_server import parse_sse

pytestmark = pytest.mark.llm

ADMIN_KEY = "server-admin-key-0123456789"


class LlamaServer:
    """`python -m llama_cpp.server` with the bundled model on one port, for the module;
    killed by a test, it is started again (on the same port) by the next that needs it."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def ensure_running(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(DEFAULT_LLM.path),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
            "--interrupt_requests",
            "False",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("llama.cpp server did not answer within 180 s")

    def kill(self) -> None:
        """SIGKILL: no goodbye on any open connection."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = LlamaServer(tmp_path_factory.mktemp("llama-server") / "server.log")
    server.ensure_running()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def served_model(llama: LlamaServer) -> ChatModel:
    """The provider as the service builds it from `KEFU_LLM`, one for the module (as in the
    service, it keeps what it learnt of the server)."""
    return create_chat_model(
        f"openai-compatible:{llama.url}",
        model_name="default",
        context_tokens=4096,
        threads=2,
        timeout=60,
    )


@pytest.fixture
def remote(llama: LlamaServer, served_model: ChatModel) -> ChatModel:
    """That provider, its server up."""
    llama.ensure_running()
    return served_model


def text_of(model: ChatModel, messages: list[ChatMessage], options: GenerationOptions) -> str:
    return "".join(model.stream(messages, options, threading.Event()))


GREEDY = GenerationOptions(max_tokens=24, temperature=0.0)
FRANCE = [
    ChatMessage("system", "You are a helpful assistant. Answer in one short sentence."),
    ChatMessage("user", "What is the capital of France?"),
]


# (a) streaming, stop, token limit, cancellation


def test_the_server_streams_the_reply_the_in_process_model_writes(
    remote: ChatModel, llm: ChatModel
) -> None:
    pieces = list(remote.stream(FRANCE, GREEDY, threading.Event()))
    assert len(pieces) >= 2  # streamed, not one block at the end
    answer = "".join(pieces)
    assert "paris" in answer.lower()
    assert answer == text_of(llm, FRANCE, GREEDY)


def test_two_replies_at_once_both_finish(remote: ChatModel) -> None:
    """Two shoppers' turns at the same time: neither reply is cut short by the other."""
    alone = text_of(remote, FRANCE, GREEDY)
    replies: list[str] = []

    def ask() -> None:
        replies.append(text_of(remote, FRANCE, GREEDY))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert replies == [alone, alone]


def test_stop_and_the_token_limit_hold_as_in_process(remote: ChatModel, llm: ChatModel) -> None:
    counting = [ChatMessage("user", "Count from 1 to 10, one number per line.")]
    stopped = GenerationOptions(max_tokens=60, temperature=0.0, stop=("4",))
    text = text_of(remote, counting, stopped)
    assert "3" in text and "4" not in text
    assert text == text_of(llm, counting, stopped)

    short = GenerationOptions(max_tokens=3, temperature=0.0)
    pieces = list(remote.stream(counting, short, threading.Event()))
    assert 1 <= len(pieces) <= 3
    assert "".join(pieces) == text_of(llm, counting, short)


async def test_a_consumer_that_stops_listening_stops_the_server(remote: ChatModel) -> None:
    """The request is closed between two tokens and the server gives up the reply: a new
    request is served at once, not after the 1,000 tokens the first one was allowed."""
    long = [ChatMessage("user", "Count from 1 to 500, one number per line.")]
    received = 0
    async for _piece in astream(remote, long, GenerationOptions(max_tokens=1000)):
        received += 1
        if received == 3:
            break
    started = time.perf_counter()
    pieces = [p async for p in astream(remote, FRANCE, GenerationOptions(max_tokens=4))]
    assert pieces
    assert time.perf_counter() - started < 20  # the abandoned reply would take over a minute


# (b) constrained JSON: tool arguments


def ticket_prompt() -> list[ChatMessage]:
    return argument_prompt(
        tool="create_ticket",
        description="Open a ticket so that a human colleague follows the request up.",
        schema=CreateTicketArgs,
        conversation="Customer: I was charged twice for order LM20261002, please refund one.",
        reason="a payment problem",
        lang="en",
    )


def human_prompt() -> list[ChatMessage]:
    return argument_prompt(
        tool="request_human",
        description="Hand the conversation over to a human colleague now.",
        schema=RequestHumanArgs,
        conversation="顾客: 我要投诉，快递员把包裹扔在门口，东西摔坏了，转人工！",
        reason="顾客要求人工客服",
        lang="zh",
    )


TICKET_FALLBACK = {"summary": "fallback summary", "category": "OTHER", "priority": "high"}
HUMAN_FALLBACK = {"reason": "the policy's own reason"}


async def test_tool_arguments_over_the_server_are_the_in_process_ones(
    remote: ChatModel, llm: ChatModel
) -> None:
    cases: list[tuple[type[CreateTicketArgs | RequestHumanArgs], Any, dict[str, Any]]] = [
        (CreateTicketArgs, ticket_prompt(), TICKET_FALLBACK),
        (RequestHumanArgs, human_prompt(), HUMAN_FALLBACK),
    ]
    for schema, prompt, fallback in cases:
        served: FilledArguments = await fill_arguments(remote, schema, prompt, fallback)
        assert served.from_model, f"{schema.__name__}: the server's JSON did not validate"
        assert served.values != schema.model_validate(fallback).model_dump()
        local = await fill_arguments(llm, schema, prompt, fallback)
        assert served.values == local.values
    # Twice in a row: the schema's form the server took is kept, and still works.
    again = await fill_arguments(remote, CreateTicketArgs, ticket_prompt(), TICKET_FALLBACK)
    assert again.from_model and again.values["priority"] in ("high", "urgent")


async def test_json_cut_off_by_the_token_limit_falls_back_as_in_process(
    remote: ChatModel, llm: ChatModel
) -> None:
    for model in (remote, llm):
        cut = await fill_arguments(
            model, CreateTicketArgs, ticket_prompt(), TICKET_FALLBACK, max_tokens=6
        )
        assert not cut.from_model
        assert cut.values == CreateTicketArgs.model_validate(TICKET_FALLBACK).model_dump()


def test_a_server_killed_mid_reply_is_an_llm_error(llama: LlamaServer, remote: ChatModel) -> None:
    """Not a short reply taken for a whole one."""
    assert isinstance(remote, OpenAICompatibleChatModel) and remote.ready()
    long = [ChatMessage("user", "Count from 1 to 500, one number per line.")]
    pieces = remote.stream(long, GenerationOptions(max_tokens=1000), threading.Event())
    for _ in range(3):
        next(pieces)
    llama.kill()
    with pytest.raises(LLMError, match="RemoteProtocolError"):
        for _ in pieces:
            pass
    assert not remote.ready()
    with pytest.raises(LLMError, match="unreachable"):
        text_of(remote, FRANCE, GREEDY)


# (c) and (d): a whole turn through `kefu serve`


@pytest.fixture(scope="module")
def kefu_server(
    llama: LlamaServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    llama.ensure_running()
    env = server_env(
        tmp_path_factory.mktemp("kefu-remote-llm"),
        llm=f"openai-compatible:{llama.url}",
        llm_model_name="default",
        bootstrap_admin_key=ADMIN_KEY,
    )
    # English only: a Chinese question is answered through a translation by the LLM.
    assert "created" in kefu(env, "ingest", str(DEMO_KB / "returns.en.md"))
    with live_server(env) as base:
        yield base, env


def stream_turn(base: str, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    with httpx.stream("POST", f"{base}/v1/chat/stream", json=body, timeout=180) as response:
        assert response.status_code == 200
        return list(parse_sse(response.iter_lines()))


def metric(base: str, name: str, labels: dict[str, str]) -> float:
    text = httpx.get(f"{base}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_a_turn_through_the_app_is_translated_by_the_server_and_cited(
    llama: LlamaServer, kefu_server: tuple[str, dict[str, str]]
) -> None:
    llama.ensure_running()
    base, _ = kefu_server
    events = stream_turn(base, {"message": "退货期限是多久？"})
    names = [name for name, _ in events]
    assert names[0] == "session" and names[-1] == "done" and "error" not in names, events[-1]
    tokens = [str(data["text"]) for name, data in events if name == "token"]
    assert "".join(tokens).startswith(ANSWER_LEAD["zh"])
    assert len(tokens) >= 3  # the translation streamed in pieces
    done = events[-1][1]
    answer = str(done["answer"])
    assert answer == "".join(tokens).strip()
    assert "[1]" in answer and done["lang"] == "zh"
    assert "translate" in str(done["prompt_version"])  # the LLM translated the evidence
    assert done["sources"] and done["sources"][0]["document"] == "returns.en.md"
    cited = httpx.get(f"{base}{done['sources'][0]['url']}")
    assert cited.status_code == 200


def test_a_hand_over_through_the_app_has_arguments_the_server_wrote(
    llama: LlamaServer, kefu_server: tuple[str, dict[str, str]]
) -> None:
    llama.ensure_running()
    base, _ = kefu_server
    labels = {"tool": "create_ticket", "outcome": "model"}
    before = metric(base, "kefu_tool_calls_total", labels)
    message = "I was charged twice for order LM20261002, please refund one payment"
    events = stream_turn(base, {"message": message})
    names = [name for name, _ in events]
    assert "ticket" in names and names[-1] == "done", events[-1]
    done = events[-1][1]
    assert done["tools"] == ["create_ticket"] and done["handoff"] is True
    assert metric(base, "kefu_tool_calls_total", labels) == before + 1  # valid, not fallback
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    ticket = httpx.get(f"{base}/v1/tickets/{done['ticket_id']}", headers=headers).json()
    assert ticket["order_id"] == "LM20261002" and ticket["priority"] in ("high", "urgent")
    assert 8 <= len(ticket["summary"]) <= 160 and ticket["summary"] != message


def test_the_llm_server_killed_mid_answer_then_back_without_a_restart_of_kefu(
    llama: LlamaServer, kefu_server: tuple[str, dict[str, str]]
) -> None:
    """The server dies while the answer streams (after its first translated words): the
    translated sentences stand and the help centre's original words follow, cited; never a
    half answer as if whole. Once the server is back, the same session goes on."""
    llama.ensure_running()
    base, _ = kefu_server
    events: list[tuple[str, dict[str, Any]]] = []
    streamed, killed = "", False
    body = {"message": "退货期限是多久？"}
    with httpx.stream("POST", f"{base}/v1/chat/stream", json=body, timeout=180) as response:
        for name, data in parse_sse(response.iter_lines()):
            events.append((name, data))
            streamed += str(data["text"]) if name == "token" else ""
            if not killed and len(streamed) > len(ANSWER_LEAD["zh"]):
                llama.kill()  # translated words are arriving: the LLM is at work
                killed = True
    names = [name for name, _ in events]
    assert names[0] == "session" and killed
    last, data = events[-1]
    assert last == "done" and "error" not in names, events[-1]
    assert "原文：“" in str(data["answer"]) and "[1]" in str(data["answer"]) and data["sources"]

    llama.ensure_running()
    session_id = events[0][1]["session_id"]
    # The session goes on (what it answers depends on the escalation policy: asking after a
    # quoted original may count as the first answer not having helped).
    again = stream_turn(base, {"message": "退货运费谁出？", "session_id": session_id})
    assert again[-1][0] == "done" and again[-1][1]["answer"], again[-1]
    assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
    assert again[0][1]["session_id"] == session_id


def test_readiness_reports_the_llm_server_down_as_degraded(
    llama: LlamaServer, kefu_server: tuple[str, dict[str, str]]
) -> None:
    """A worker whose LLM server is away still serves (original wording, policy tickets): it
    stays in the load balancer, and readiness says it is degraded."""
    base, _ = kefu_server
    llama.ensure_running()
    assert httpx.get(f"{base}/readyz").json() == {
        "status": "ready",
        "checks": {
            "llm": True,
            "intent_model": True,
            "graph": True,
            "database": True,
            "knowledge_store": True,
        },
    }
    llama.kill()
    readiness = httpx.get(f"{base}/readyz")
    assert readiness.status_code == 200
    assert readiness.json()["status"] == "degraded" and readiness.json()["checks"]["llm"] is False


def test_a_hand_over_with_the_llm_server_down_still_opens_a_ticket(
    llama: LlamaServer, kefu_server: tuple[str, dict[str, str]]
) -> None:
    base, _ = kefu_server
    llama.kill()
    events = stream_turn(base, {"message": "I was charged twice for order LM20261003!"})
    names = [name for name, _ in events]
    assert "ticket" in names and names[-1] == "done", events[-1]
