"""The chat graph's nodes. Each takes the state and the run's context and returns a partial
update of the state."""

from dataclasses import asdict, is_dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.runtime import Runtime

from graphs.chat.context import TurnContext
from graphs.chat.messages import NO_SOURCE
from graphs.chat.state import ChatState
from graphs.redaction.streaming import StreamRedactor
from models.language import Language, detect_language, normalise_locale
from models.llm import ChatMessage, GenerationOptions, Role, astream
from prompts import load_prompt

FOLLOW_UP_MAX_CHARS = 24


def _lang(state: ChatState) -> Language:
    return "zh" if state.get("lang") == "zh" else "en"


def redact_input(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Redact the shopper's message; from here on only the redacted text is used or kept."""
    context = runtime.context
    fallback = normalise_locale(context.locale) or _lang(state)
    lang = detect_language(context.message, default=fallback)
    redacted = context.services.redactor.redact(context.message, lang).text
    return {"question": redacted, "lang": lang, "messages": [HumanMessage(redacted)]}


def classify_intent(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    result = runtime.context.services.intents.classify(state["question"])
    return {"intent": {"label": result.label, "confidence": round(result.confidence, 4)}}


def retrieval_query(question: str, history: list[AnyMessage]) -> str:
    """A short follow-up ("and for lamps?") is searched together with the previous question."""
    earlier = [m for m in history[:-1] if isinstance(m, HumanMessage)]
    if earlier and len(question) <= FOLLOW_UP_MAX_CHARS:
        return f"{earlier[-1].content} {question}"
    return question


def retrieve(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    services = runtime.context.services
    query = retrieval_query(state["question"], state.get("messages", []))
    found = services.retriever.search(query, services.config.top_k)
    passages = [_as_dict(p) for p in found if p.score >= services.config.min_score]
    return {"passages": passages}


def _as_dict(passage: object) -> dict[str, Any]:
    if is_dataclass(passage) and not isinstance(passage, type):
        return asdict(passage)
    return dict(vars(passage))


def _history(state: ChatState, turns: int) -> list[ChatMessage]:
    earlier = state.get("messages", [])[:-1]
    recent = earlier[-2 * turns :] if turns else []
    history = []
    for message in recent:
        role: Role = "user" if isinstance(message, HumanMessage) else "assistant"
        history.append(ChatMessage(role, str(message.content)))
    return history


def build_prompt(
    state: ChatState, passages: list[dict[str, Any]], history_turns: int
) -> tuple[list[ChatMessage], str]:
    """System rules first (the same text every turn, so its KV cache is reused), then the
    conversation so far, then the passages and the question."""
    lang = _lang(state)
    system = load_prompt("answer_system", lang)
    user = load_prompt("answer_user", lang)
    numbered = "\n\n".join(
        f"[{i}] ({p['title']}{' / ' + p['heading'] if p['heading'] else ''})\n{p['text']}"
        for i, p in enumerate(passages, start=1)
    )
    messages = [
        ChatMessage("system", system.text),
        *_history(state, history_turns),
        ChatMessage("user", user.render(passages=numbered, question=state["question"])),
    ]
    return messages, f"{system.version}+{user.version}"


def _fit_passages(
    passages: list[dict[str, Any]], budget: int, count_tokens: Any
) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    used = 0
    for passage in passages:
        cost = count_tokens(passage["text"]) + 12
        if kept and used + cost > budget:
            break
        kept.append(passage)
        used += cost
    return kept


async def generate(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Answer from the passages, streaming only text that has passed output redaction."""
    services = runtime.context.services
    config = services.config
    lang = _lang(state)
    write = runtime.stream_writer
    passages = _fit_passages(
        state.get("passages", []), config.passage_tokens, services.llm.count_tokens
    )
    if not passages:
        text = NO_SOURCE[lang]
        write({"token": text})
        return {"answer": text, "handoff": True, "passages": [], "prompt_version": "no-source"}

    messages, prompt_version = build_prompt(state, passages, config.history_turns)
    public_values = services.redactor.values((p["text"] for p in passages), lang)
    redactor = StreamRedactor(services.redactor, lang, allow=public_values)
    options = GenerationOptions(max_tokens=config.max_answer_tokens, temperature=config.temperature)
    released: list[str] = []
    async for piece in astream(services.llm, messages, options):
        if safe := redactor.feed(piece):
            released.append(safe)
            write({"token": safe})
    if tail := redactor.flush():
        released.append(tail)
        write({"token": tail})
    answer = "".join(released).strip()
    if not answer:  # the model said nothing: say so rather than send an empty bubble
        write({"token": NO_SOURCE[lang]})
        return {
            "answer": NO_SOURCE[lang],
            "handoff": True,
            "passages": [],
            "prompt_version": prompt_version,
        }
    return {
        "answer": answer,
        "handoff": False,
        "passages": passages,
        "prompt_version": prompt_version,
    }


def redact_output(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Redact the whole answer once more before it is stored (streamed pieces already were)."""
    services = runtime.context.services
    lang = _lang(state)
    public_values = services.redactor.values((p["text"] for p in state.get("passages", [])), lang)
    answer = services.redactor.redact(state.get("answer", ""), lang, allow=public_values).text
    return {"answer": answer, "messages": [AIMessage(answer)]}
