"""The OpenAI-compatible provider against a small local server speaking that protocol."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models.llm import ChatMessage, ChatModel, GenerationOptions, LLMError, create_chat_model


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)  # type: ignore[attr-defined]
        self.server.authorizations.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ["Hel", "lo ", "there"]:
            chunk = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.requests = []  # type: ignore[attr-defined]
    httpd.authorizations = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def model_of(server: ThreadingHTTPServer, api_key: str = "") -> ChatModel:
    host, port = server.server_address[:2]
    return create_chat_model(
        f"openai-compatible:http://{host}:{port}/v1",
        model_name="qwen",
        context_tokens=512,
        threads=1,
        timeout=5,
        api_key=api_key,
    )


def test_streams_pieces_from_an_openai_compatible_server(server: ThreadingHTTPServer) -> None:
    model = model_of(server)
    pieces = list(
        model.stream(
            [ChatMessage("user", "hi")], GenerationOptions(max_tokens=8), threading.Event()
        )
    )
    assert pieces == ["Hel", "lo ", "there"]
    sent = server.requests[0]  # type: ignore[attr-defined]
    assert sent["model"] == "qwen" and sent["stream"] is True
    assert sent["messages"] == [{"role": "user", "content": "hi"}]


def test_unreachable_server_is_an_llm_error() -> None:
    model = create_chat_model(
        "openai-compatible:http://127.0.0.1:9/v1",
        model_name="x",
        context_tokens=512,
        threads=1,
        timeout=2,
    )
    with pytest.raises(LLMError, match="unreachable"):
        list(model.stream([ChatMessage("user", "hi")], GenerationOptions(), threading.Event()))


def test_an_api_key_is_sent_as_a_bearer_token(server: ThreadingHTTPServer) -> None:
    options = GenerationOptions(max_tokens=8)
    for api_key, expected in (("sk-local-123", "Bearer sk-local-123"), ("", None)):
        model = model_of(server, api_key)
        assert "".join(model.stream([ChatMessage("user", "hi")], options, threading.Event()))
        assert server.authorizations[-1] == expected  # type: ignore[attr-defined]
