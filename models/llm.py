"""Chat model providers: llama.cpp in-process (default) or an OpenAI-compatible server.

A provider is chosen by a spec string, ``llamacpp:/path/model.gguf`` or
``openai-compatible:http://host:port/v1``. Generation is synchronous and streams text pieces;
``astream`` runs it off the event loop (in a model's own queue, ``models.scheduler``, or a worker
thread) so an async caller can cancel it between tokens.
"""

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import httpx

from models.prefix_cache import PrefixCache

logger = logging.getLogger("kefu.llm")

Role = Literal["system", "user", "assistant"]
# How a JSON schema is sent to a server: the OpenAI form first, then llama-cpp-python's.
SchemaForm = Literal["json_schema", "json_object"]
SCHEMA_FORMS: tuple[SchemaForm, ...] = ("json_schema", "json_object")


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    max_tokens: int = 320
    temperature: float = 0.1
    stop: tuple[str, ...] = ()
    # When set, the reply is constrained to JSON matching this schema (a tool call's arguments).
    json_schema: Mapping[str, Any] | None = None
    repeat_penalty: float = 1.0  # above 1 discourages the loops small models fall into


class LLMError(RuntimeError):
    """The language model failed or could not be reached."""


class ChatModel(Protocol):
    """Streams the assistant's reply to a list of chat messages, one text piece at a time."""

    name: str

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        cancel: threading.Event,
    ) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...


class LlamaCppChatModel:
    """llama.cpp in this process. One generation at a time: the model's state is not shared.

    llama-cpp-python keeps the tokens of the previous prompt and evaluates only the part after
    the longest common prefix, so prompts that start with the same system text reuse its
    KV cache across turns and sessions.
    """

    def __init__(self, model_path: Path, *, context_tokens: int, threads: int) -> None:
        if not model_path.is_file():
            raise FileNotFoundError(
                f"LLM file not found: {model_path} (run `make run` or scripts/setup.sh)"
            )
        from llama_cpp import Llama

        self.name = model_path.stem
        self._lock = threading.Lock()
        self._llama = Llama(
            model_path=str(model_path),
            n_ctx=context_tokens,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=512,
            verbose=False,
        )
        self.prefixes = PrefixCache(self._llama)
        self._checked_prompt = False  # whether the cache's prompt tokens were found right

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def close(self) -> None:
        """Free the model's context and weights now rather than when it is collected."""
        with self._lock:
            self._llama.close()

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        cancel: threading.Event,
    ) -> Iterator[str]:
        with self._lock:
            if cancel.is_set():
                return
            try:
                llama: Any = self._llama
                asked = [{"role": m.role, "content": m.content} for m in messages]
                self.prefixes.prepare(asked)
                chunks: Iterator[Any] = llama.create_chat_completion(
                    messages=asked,
                    max_tokens=options.max_tokens,
                    temperature=options.temperature,
                    repeat_penalty=options.repeat_penalty,
                    stop=list(options.stop) or None,
                    response_format=(
                        {"type": "json_object", "schema": dict(options.json_schema)}
                        if options.json_schema is not None
                        else None
                    ),
                    stream=True,
                )
                for chunk in chunks:
                    if cancel.is_set():
                        return
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
                    self._check_prompt_once(asked)
            except ValueError as exc:  # e.g. the prompt exceeds the context window
                raise LLMError(str(exc)) from exc

    def _check_prompt_once(self, asked: list[dict[str, str]]) -> None:
        """Once: that the prefix cache reads prompts as create_chat_completion does; if not,
        it is switched off (prompts are then read from where the previous one differs)."""
        if self._checked_prompt or not self.prefixes.enabled:
            return
        self._checked_prompt = True
        tokens = self.prefixes.prompt_tokens(asked)
        if self._llama.input_ids[: len(tokens)].tolist() != tokens:
            logger.warning("the LLM's chat template is not followed; prompt states not saved")
            self.prefixes.enabled = False


class OpenAICompatibleChatModel:
    """Any server speaking the OpenAI chat-completions API (llama.cpp server, vLLM, ...).

    A tool's JSON schema goes as the standard ``response_format`` of type ``json_schema``
    (vLLM, llama.cpp's ``llama-server``); a server that refuses it (llama-cpp-python's own
    server knows only ``json_object`` with a ``schema``) is asked again in that form, which
    is then kept for the rest of the process. The repeat penalty is sent under the names
    llama.cpp (``repeat_penalty``) and vLLM (``repetition_penalty``) read, so that sampling
    is the in-process one: llama-cpp-python's server would otherwise apply 1.1 to every reply.
    That server must run with ``--interrupt_requests False``: by default a new request cuts
    the reply in progress short, so one shopper's turn would spoil another's.
    """

    def __init__(self, base_url: str, *, model: str, timeout: float, api_key: str = "") -> None:
        self.name = model
        self._base_url = base_url.rstrip("/")
        self._model = model
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=5.0),
            headers={"Authorization": f"Bearer {api_key}"} if api_key else None,
        )
        self._schema_form: SchemaForm = "json_schema"  # until the server refuses it

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def ready(self) -> bool:
        """Whether the server answers its model list now (a readiness probe)."""
        try:
            return self._client.get(f"{self._base_url}/models", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        cancel: threading.Event,
    ) -> Iterator[str]:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "repeat_penalty": options.repeat_penalty,
            "repetition_penalty": options.repeat_penalty,
            "stream": True,
        }
        if options.stop:
            body["stop"] = list(options.stop)
        forms: Sequence[SchemaForm | None] = (None,)
        if options.json_schema is not None:  # the server turns it into a grammar
            forms = SCHEMA_FORMS[SCHEMA_FORMS.index(self._schema_form) :]
        try:
            for attempt, form in enumerate(forms, start=1):
                if form is not None and options.json_schema is not None:
                    body["response_format"] = _response_format(options.json_schema, form)
                with self._client.stream(
                    "POST", f"{self._base_url}/chat/completions", json=body
                ) as response:
                    if response.status_code != 200:
                        response.read()
                        if attempt < len(forms) and _refused_response_format(response):
                            continue  # ask again with the schema in the other form
                        raise LLMError(
                            f"LLM server answered {response.status_code}: {response.text[:500]}"
                        )
                    if form is not None:
                        self._schema_form = form
                    yield from _pieces(response, cancel)
                    return
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise LLMError(f"LLM server unreachable at {self._base_url}: {exc}") from exc
        except httpx.HTTPError as exc:  # e.g. the server died mid-reply, or a read timed out
            raise LLMError(f"LLM server at {self._base_url} failed: {exc!r}") from exc


def _response_format(schema: Mapping[str, Any], form: SchemaForm) -> dict[str, Any]:
    if form == "json_object":
        return {"type": "json_object", "schema": dict(schema)}
    return {"type": "json_schema", "json_schema": {"name": "arguments", "schema": dict(schema)}}


def _pieces(response: httpx.Response, cancel: threading.Event) -> Iterator[str]:
    """The text pieces of a server-sent-events reply until ``[DONE]`` (or its end).

    A reply that ends without a finish reason was cut short by the server; what came is kept
    (a translation falls back to the original wording, tool arguments to the policy's) and
    the cut is logged: llama-cpp-python's server does it to a reply whenever another request
    arrives, unless it runs with ``--interrupt_requests False``."""
    finished = False
    for line in response.iter_lines():
        if cancel.is_set():
            return
        if not line.startswith("data:"):
            continue  # blank lines between events, comments such as pings
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise LLMError(f"LLM server sent an unreadable event: {data[:200]}") from exc
        if not isinstance(chunk, dict):
            raise LLMError(f"LLM server sent an unreadable event: {data[:200]}")
        if "error" in chunk:
            raise LLMError(f"LLM server failed mid-reply: {str(chunk['error'])[:500]}")
        for choice in chunk.get("choices") or ():  # a usage chunk has none
            finished = finished or bool(choice.get("finish_reason"))
            if piece := (choice.get("delta") or {}).get("content"):
                yield piece
    if not finished:
        logger.warning(
            "the LLM server at %s cut a reply short (no finish reason); a llama-cpp-python "
            "server needs --interrupt_requests False to serve several requests at once",
            response.request.url,
        )


def _refused_response_format(response: httpx.Response) -> bool:
    """Whether an error answer is the server refusing the form of ``response_format``."""
    return response.status_code in (400, 422) or "response_format" in response.text


def estimate_tokens(text: str) -> int:
    """A close upper estimate of Qwen-style BPE tokens: ~1 per CJK character, ~1 per 3.5 others."""
    cjk = sum(1 for ch in text if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    return cjk + (len(text) - cjk + 3) // 4 + 1


@dataclass(frozen=True)
class StreamEnd:
    """The last item of a generation's stream: nothing (it finished) or the error it ended with."""

    error: BaseException | None = None


class LLMBusy(LLMError):
    """The model has as many generations waiting as it may: ask again after ``retry_after``
    seconds, or do without it (quote the original, use the policy's tool arguments)."""

    def __init__(self, waiting: int, retry_after: float) -> None:
        super().__init__(f"the LLM has {waiting} generations waiting")
        self.waiting = waiting
        self.retry_after = retry_after


@dataclass(frozen=True)
class Generation:
    """One generation asked of a model: what to write, whose it is (a chat session; queues serve
    sessions in turn), where its pieces go (``deliver``, then one ``StreamEnd``), and the event
    that stops it between two pieces."""

    messages: Sequence[ChatMessage]
    options: GenerationOptions
    deliver: Callable[["str | StreamEnd"], None]
    cancel: threading.Event = field(default_factory=threading.Event)
    key: str = ""


@runtime_checkable
class GenerationQueue(Protocol):
    """A model that runs generations on threads of its own (``models.scheduler``): a waiting
    generation holds no thread of the caller's."""

    def enqueue(self, generation: Generation) -> None:
        """Queue ``generation``; raises LLMBusy when no more may wait."""
        ...


def run_generation(model: ChatModel, generation: Generation) -> None:
    """Stream ``generation`` from ``model`` into its ``deliver``, ending with a StreamEnd."""
    try:
        for piece in model.stream(generation.messages, generation.options, generation.cancel):
            generation.deliver(piece)
        generation.deliver(StreamEnd())
    except BaseException as exc:
        generation.deliver(StreamEnd(exc))


async def astream(
    model: ChatModel,
    messages: Sequence[ChatMessage],
    options: GenerationOptions,
    *,
    key: str = "",
) -> AsyncIterator[str]:
    """Stream from ``model`` off the event loop; cancelling the consumer stops generation.
    A queued model (``GenerationQueue``) takes the generation into its queue, fairly among
    ``key``s (chat sessions); any other model streams on a thread of the loop's executor."""
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue[str | StreamEnd] = asyncio.Queue()

    def deliver(item: str | StreamEnd) -> None:
        loop.call_soon_threadsafe(pieces.put_nowait, item)

    generation = Generation(messages, options, deliver, key=key)
    if isinstance(model, GenerationQueue):
        model.enqueue(generation)
    else:
        loop.run_in_executor(None, run_generation, model, generation)
    try:
        while True:
            item = await pieces.get()
            if isinstance(item, StreamEnd):
                if item.error is not None:
                    if isinstance(item.error, LLMError):
                        raise item.error
                    raise LLMError(str(item.error)) from item.error
                return
            yield item
    finally:
        generation.cancel.set()


def create_chat_model(
    spec: str,
    *,
    model_name: str,
    context_tokens: int,
    threads: int,
    timeout: float,
    api_key: str = "",
) -> ChatModel:
    """Build the provider named by ``spec``; a bad spec names the allowed ones. ``api_key`` is
    sent as a bearer token to a server (vLLM's and llama.cpp's ``--api-key``)."""
    provider, _, target = spec.partition(":")
    if provider == "llamacpp" and target:
        return LlamaCppChatModel(Path(target), context_tokens=context_tokens, threads=threads)
    if provider == "openai-compatible" and target.startswith(("http://", "https://")):
        return OpenAICompatibleChatModel(target, model=model_name, timeout=timeout, api_key=api_key)
    raise ValueError(
        f"Unknown LLM spec {spec!r}: use llamacpp:/path/model.gguf "
        "or openai-compatible:http(s)://host:port/v1"
    )


def create_chat_models(
    spec: str,
    *,
    parallel: int,
    model_name: str,
    context_tokens: int,
    threads: int,
    timeout: float,
    api_key: str = "",
) -> list[ChatModel]:
    """The instances that serve ``parallel`` generations at once (``0``: the provider's default,
    1 in-process, 4 for a server): separate llama.cpp models in this process, each with its own
    context (the weights file is mapped once), or one client of a server, which is shared."""
    provider = spec.partition(":")[0]
    count = parallel or (1 if provider == "llamacpp" else 4)

    def make() -> ChatModel:
        return create_chat_model(
            spec,
            model_name=model_name,
            context_tokens=context_tokens,
            threads=threads,
            timeout=timeout,
            api_key=api_key,
        )

    if provider == "llamacpp":
        return [make() for _ in range(count)]
    return [make()] * count


async def acomplete(
    model: ChatModel, messages: Sequence[ChatMessage], options: GenerationOptions, *, key: str = ""
) -> str:
    """The whole reply at once (tool-call arguments, which are not streamed to the shopper)."""
    return "".join([piece async for piece in astream(model, messages, options, key=key)])
