"""The chat graph's nodes. Each takes the state and the run's context and returns a partial
update of the state."""

import re
from dataclasses import asdict, is_dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.runtime import Runtime

from graphs.chat.context import TurnContext
from graphs.chat.escalation import (
    MIN_PRIORITY,
    TOOL_FOR,
    EscalationReason,
    after_retrieval,
    before_retrieval,
    counts_as_miss,
    declines_offer,
    offers_person,
)
from graphs.chat.messages import (
    ASK_ORDER_ID,
    CLARIFY,
    ESCALATION_REASONS,
    HANDED_OVER,
    HANDOVER_UNAVAILABLE,
    INTENT_NAMES,
    NO_SOURCE,
    ORDER_NOT_FOUND,
    ORDER_SERVICE_DOWN,
    SMALL_TALK,
    TICKET_UPDATED,
)
from graphs.chat.orders import OrderInfo, OrderServiceUnavailable, describe_order, order_id_spans
from graphs.chat.smalltalk import detect_small_talk
from graphs.chat.state import ChatState
from graphs.chat.tool_arguments import argument_prompt, fill_arguments, transcript
from graphs.chat.tools import CreateTicketArgs, RequestHumanArgs, build_tools, ticket_category
from graphs.redaction.engine import Redactor, Span, placeholder
from graphs.redaction.streaming import StreamRedactor
from models.language import Language, detect_language, is_cjk, normalise_locale
from models.llm import ChatMessage, GenerationOptions, Role, astream
from prompts import load_prompt

FOLLOW_UP_MAX_CHARS = 24


def _lang(state: ChatState) -> Language:
    return "zh" if state.get("lang") == "zh" else "en"


def redact_input(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Redact the shopper's message; from here on only the redacted text is used or kept.

    Order numbers are not personal data: they are kept in the text and remembered for the
    session, so "where is it now?" later needs no second asking.
    """
    context = runtime.context
    fallback = normalise_locale(context.locale) or _lang(state)
    lang = detect_language(context.message, default=fallback)
    services = context.services
    orders = order_id_spans(context.message, services.config.order_id_pattern)

    def replace(span: Span, value: str) -> str | None:
        action = services.config.pii_policy.get(span.entity, "mask")
        if action == "keep":
            return None
        if action == "pseudonymise" and services.vault is not None and context.session_id:
            return services.vault.pseudonymise(
                span.entity, value, context.session_id, context.customer_id
            )
        return placeholder(span.entity)

    redacted = services.redactor.pseudonymise(
        context.message, lang, replace, keep=[(start, end) for _, start, end in orders]
    ).text
    update: dict[str, Any] = {
        "question": redacted,
        "lang": lang,
        "messages": [HumanMessage(redacted)],
        "turn_order_ids": [order_id for order_id, _, _ in orders],
        "ticket": None,
        "tool_calls": [],
        "escalation": None,
    }
    if orders:
        update["slots"] = {**(state.get("slots") or {}), "order_id": orders[-1][0]}
    return update


def classify_intent(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """The intent of the message, read together with the previous one when it is a follow-up,
    and whether the hand-over policy already calls for a person."""
    question = state["question"]
    query = retrieval_query(question, state.get("messages", []))
    result = runtime.context.services.intents.classify(query)
    classified: ChatState = {
        **state,
        "intent": {"label": result.label, "confidence": round(result.confidence, 4)},
    }
    chat: str | None = detect_small_talk(question)
    if declines_offer(question):  # "no thanks" to an offer or a clarifying question
        chat = "declined"
    return {
        "query": query,
        "small_talk": chat,
        "intent": classified["intent"],
        "intent_top": [s.label for s in result.top],
        "escalation": None if chat == "declined" else before_retrieval(classified),
    }


ORDER_STATUS_INTENTS = frozenset({"track_order", "delivery_period"})


def wants_order_status(state: ChatState) -> bool:
    """ "Where is my order?", an order number given when asked for, or a bare order number."""
    intent = state.get("intent") or {}
    given = state.get("turn_order_ids") or []
    if intent.get("label") == "track_order" and float(intent.get("confidence", 0)) >= 0.4:
        return True
    if not given:
        return False
    if state.get("awaiting") == "order_id" or intent.get("label") in ORDER_STATUS_INTENTS:
        return True
    rest = re.sub(r"[\W_]+", "", state.get("question", "").upper().replace(given[-1], ""))
    return len(rest) <= 12  # little besides the number: "LM20261002", "订单号是LM20261002"


def order_status(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Tell the shopper where their order is, asking for its number first when it is unknown."""
    lang = _lang(state)
    order_id = (state.get("slots") or {}).get("order_id")
    lookup = _tools(state, runtime, reason=None).get("get_order_status")
    if lookup is None:  # the shop has no order system connected
        return _say(runtime, NO_SOURCE[lang], prompt_version="order-status", handoff=True)
    if order_id is None:
        asked = _say(runtime, ASK_ORDER_ID[lang], prompt_version="order-status")
        return {**asked, "awaiting": "order_id"}
    call = {"name": "get_order_status", "args": {"order_id": order_id}}
    try:
        found = lookup.invoke({"order_id": order_id})
    except OrderServiceUnavailable:
        text = ORDER_SERVICE_DOWN[lang].format(order_id=order_id)
        reply = _say(runtime, text, prompt_version="order-status", handoff=True)
        return {**reply, "awaiting": None, "tool_calls": [{**call, "outcome": "unavailable"}]}
    if found is None:
        slots = {k: v for k, v in (state.get("slots") or {}).items() if k != "order_id"}
        text = ORDER_NOT_FOUND[lang].format(order_id=order_id)
        reply = _say(runtime, text, prompt_version="order-status")
        return {
            **reply,
            "awaiting": "order_id",
            "slots": slots,
            "tool_calls": [{**call, "outcome": "not_found"}],
        }
    text = describe_order(OrderInfo.model_validate(found), lang)
    reply = _say(runtime, text, prompt_version="order-status")
    return {**reply, "awaiting": None, "misses": 0, "tool_calls": [{**call, "outcome": "found"}]}


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
    misses = state.get("misses", 0) + (1 if counts_as_miss(state) else 0)  # not an answer
    return {**_say(runtime, text, prompt_version="clarify"), "clarified": True, "misses": misses}


def _turn_number(state: ChatState) -> int:
    return sum(1 for m in state.get("messages", []) if isinstance(m, HumanMessage))


def _tools(
    state: ChatState, runtime: Runtime[TurnContext], reason: EscalationReason | None
) -> dict[str, Any]:
    context = runtime.context
    return build_tools(
        desk=context.services.tickets if context.session_id else None,
        orders=context.services.orders,
        session_id=context.session_id,
        customer_id=context.customer_id,
        # A retried turn has the same number, so its tool call makes no second ticket.
        turn_key=f"{context.session_id}:{_turn_number(state)}",
        fallback_category=ticket_category(state["intent"]["label"]),
        min_priority=MIN_PRIORITY[reason] if reason else "normal",
        known_order_id=(state.get("slots") or {}).get("order_id"),
    )


async def escalate(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Hand the conversation to people: the policy chose the reason and the tool, the model
    writes the tool's arguments, and the shopper is told the ticket number."""
    context = runtime.context
    lang = _lang(state)
    reason: EscalationReason = state.get("escalation") or "asked_for_person"  # type: ignore[assignment]
    tools = _tools(state, runtime, reason)
    name = TOOL_FOR[reason]
    if name not in tools:
        return _say(runtime, HANDOVER_UNAVAILABLE[lang], prompt_version="handover", handoff=True)

    category = ticket_category(state["intent"]["label"])
    order_id = (state.get("slots") or {}).get("order_id")
    schema = CreateTicketArgs if name == "create_ticket" else RequestHumanArgs
    summary = state["question"].strip() or ESCALATION_REASONS[reason][lang]
    if len(summary) < 8:  # "yes": the reason says more than the shopper's word
        summary = f"{ESCALATION_REASONS[reason][lang]}: {summary}"
    summary = summary[:160]  # the schema's limit
    fallback: dict[str, Any] = (
        {
            "summary": summary,
            "category": category,
            "priority": MIN_PRIORITY[reason],
            "order_id": order_id,
        }
        if name == "create_ticket"
        else {"reason": summary}
    )
    prompt = argument_prompt(
        tool=name,
        description=str(tools[name].description),
        schema=schema,
        conversation=transcript(state.get("messages", []), lang),
        reason=ESCALATION_REASONS[reason][lang],
        lang=lang,
    )
    filled = await fill_arguments(context.services.llm, schema, prompt, fallback)
    arguments = _grounded(filled.values, state, context.services.redactor, lang)
    opened = await tools[name].ainvoke(arguments)
    text = (HANDED_OVER if opened["created"] else TICKET_UPDATED)[lang].format(id=opened["id"])
    call = {
        "name": name,
        "args": arguments,
        "from_model": filled.from_model,
        "seconds": round(filled.seconds, 3),
        "reason": reason,
    }
    return {
        **_say(runtime, text, prompt_version="handover", handoff=True),
        "ticket": {"id": opened["id"], "status": opened["status"]},
        "offered_handoff": False,
        "misses": 0,
        "awaiting": None,
        "tool_calls": [call],
    }


def _grounded(
    arguments: dict[str, Any], state: ChatState, redactor: Redactor, lang: Language
) -> dict[str, Any]:
    """Arguments the agent can trust: no personal data, no order number the shopper did not
    give (the model's guess is replaced by the one remembered for the session)."""
    checked = dict(arguments)
    for key in ("summary", "reason"):
        if key in checked:
            checked[key] = redactor.redact(checked[key], lang).text
    if "order_id" in checked:  # the shopper's own words hold every order number they gave
        checked["order_id"] = (state.get("slots") or {}).get("order_id")
    return checked


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
        "offered_handoff": handoff,  # a "yes" next turn accepts the offer of a person
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
    would_clarify = unsure and best < config.strong_score and not state.get("clarified")
    escalation = after_retrieval(state, answerable=bool(passages) and not would_clarify)
    return {
        "passages": passages,
        "escalation": escalation,
        "needs_clarification": would_clarify and escalation is None,
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
    misses = state.get("misses", 0) + (1 if counts_as_miss(state) else 0)
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
    if offers_person(answer):  # the model found no answer in the passages and said so
        reply = _reply(answer, prompt_version=prompt_version, handoff=True)
        return {**reply, "passages": passages, "misses": misses}
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
