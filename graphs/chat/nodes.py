"""The chat graph's nodes. Each takes the state and the run's context and returns a partial
update of the state."""

import re
from dataclasses import asdict, is_dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.runtime import Runtime

from graphs.chat.context import TurnContext
from graphs.chat.escalation import PRIORITY, escalation_reason
from graphs.chat.messages import (
    CLARIFY,
    HANDED_OVER,
    HANDOVER_UNAVAILABLE,
    INTENT_NAMES,
    NO_SOURCE,
    SMALL_TALK,
)
from graphs.chat.smalltalk import detect_small_talk
from graphs.chat.state import ChatState
from graphs.redaction.streaming import StreamRedactor
from models.intents import category_of
from models.language import Language, detect_language, is_cjk, normalise_locale
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
    """The intent of the message, read together with the previous one when it is a follow-up."""
    question = state["question"]
    query = retrieval_query(question, state.get("messages", []))
    result = runtime.context.services.intents.classify(query)
    return {
        "query": query,
        "small_talk": detect_small_talk(question),
        "intent": {"label": result.label, "confidence": round(result.confidence, 4)},
        "intent_top": [s.label for s in result.top],
    }


def small_talk(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    text = SMALL_TALK[state.get("small_talk") or "greeting"][_lang(state)]
    return _say(runtime, text, prompt_version="small-talk")


def clarify(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Ask which of the two likeliest intents the shopper means, instead of guessing."""
    lang = _lang(state)
    candidates = [label for label in state.get("intent_top", []) if label != "oos"]
    candidates += [label for label in ("contact_human_agent", "oos") if label not in candidates]
    first, second = (INTENT_NAMES[label][lang] for label in candidates[:2])
    text = CLARIFY[lang].format(first=first, second=second)
    return {**_say(runtime, text, prompt_version="clarify"), "clarified": True}


def escalate(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Hand the conversation to people through a ticket and tell the shopper its number."""
    context = runtime.context
    lang = _lang(state)
    desk = context.services.tickets
    if desk is None or not context.session_id:
        return _say(runtime, HANDOVER_UNAVAILABLE[lang], prompt_version="handover", handoff=True)
    reason = escalation_reason(state) or "asked_for_person"
    turn = sum(1 for m in state.get("messages", []) if isinstance(m, HumanMessage))
    ticket = desk.open_ticket(
        session_id=context.session_id,
        summary=state["question"][:2000],
        category=category_of(state["intent"]["label"]),
        priority=PRIORITY[reason],
        idempotency_key=f"{context.session_id}:{turn}",  # a retried turn makes no second ticket
    )
    text = HANDED_OVER[lang].format(id=ticket.id)
    return {
        **_say(runtime, text, prompt_version="handover", handoff=True),
        "ticket": {"id": ticket.id, "status": ticket.status},
        "misses": 0,
    }


def _say(
    runtime: Runtime[TurnContext], text: str, *, prompt_version: str, handoff: bool = False
) -> dict[str, Any]:
    """Stream a text of the assistant's own as the turn's answer."""
    runtime.stream_writer({"token": text})
    return _reply(text, prompt_version=prompt_version, handoff=handoff)


def _reply(text: str, *, prompt_version: str, handoff: bool = False) -> dict[str, Any]:
    return {
        "answer": text,
        "handoff": handoff,
        "passages": [],
        "prompt_version": prompt_version,
        "clarified": False,
    }


_FOLLOW_UP_OPENINGS = re.compile(
    r"^(?:(?:and|what about|how about|also|same for|what if|or)\b|那|还有|如果|要是|另外|也)",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    """ "And for lamps?", "那灯具呢？", "opened ones?": it leans on the previous question."""
    bare = question.strip().strip("?？。.!！")
    words = bare.split()
    return (
        bool(_FOLLOW_UP_OPENINGS.match(bare))
        or (
            len(words) <= 3
            and len(bare) <= FOLLOW_UP_MAX_CHARS
            and not any(is_cjk(c) for c in bare)
        )
        or (len(bare) <= 5 and all(is_cjk(c) for c in bare))
    )


def retrieval_query(question: str, history: list[AnyMessage]) -> str:
    """A follow-up is searched and classified together with the previous question."""
    earlier = [m for m in history[:-1] if isinstance(m, HumanMessage)]
    if earlier and is_follow_up(question):
        return f"{earlier[-1].content} {question}"
    return question


def retrieve(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Passages for the question; flags a clarification when neither the intent nor the
    knowledge base is clear about what is asked (and the last turn was not one already)."""
    config = runtime.context.services.config
    found = runtime.context.services.retriever.search(state["query"], config.top_k)
    passages = [_as_dict(p) for p in found if p.score >= config.min_score]
    best = max((p["score"] for p in passages), default=0.0)
    unsure = state["intent"]["confidence"] < config.clarify_below
    return {
        "passages": passages,
        "needs_clarification": unsure and best < config.strong_score and not state.get("clarified"),
    }


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
    misses = state.get("misses", 0) + 1
    if not passages:
        no_source = _say(runtime, NO_SOURCE[lang], prompt_version="no-source", handoff=True)
        return {**no_source, "misses": misses}

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
        no_answer = _say(runtime, NO_SOURCE[lang], prompt_version=prompt_version, handoff=True)
        return {**no_answer, "misses": misses}
    return {**_reply(answer, prompt_version=prompt_version), "passages": passages, "misses": 0}


def redact_output(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Redact the whole answer once more before it is stored (streamed pieces already were)."""
    redactor = runtime.context.services.redactor
    lang = _lang(state)
    answer = state.get("answer", "")
    if redactor.analyze(answer, lang):  # only then are the passages' public values needed
        public_values = redactor.values((p["text"] for p in state.get("passages", [])), lang)
        answer = redactor.redact(answer, lang, allow=public_values).text
    return {"answer": answer, "messages": [AIMessage(answer)]}
