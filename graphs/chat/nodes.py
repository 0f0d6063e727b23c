"""The chat graph's nodes. Each takes the state and the run's context and returns a partial
update of the state."""

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import asdict, is_dataclass, replace
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.runtime import Runtime

from graphs.chat.answer_stream import AnswerStream
from graphs.chat.context import ChatConfig, TurnContext
from graphs.chat.escalation import (
    MIN_PRIORITY,
    TOOL_FOR,
    EscalationReason,
    accepts_offer,
    after_retrieval,
    before_retrieval,
    counts_as_miss,
    declines_offer,
)
from graphs.chat.evidence import Evidence, Source, select_evidence
from graphs.chat.grounding import currencies, numbers, release_point, without_open_number
from graphs.chat.messages import (
    ANSWER_LEAD,
    ASK_ORDER_ID,
    CLARIFY,
    ESCALATION_REASONS,
    HANDING_OVER,
    HANDOVER_UNAVAILABLE,
    INTENT_NAMES,
    NO_SOURCE,
    OFFER_AFTER_ANSWER,
    ORDER_NOT_FOUND,
    ORDER_SERVICE_DOWN,
    ORIGINAL_WORDING,
    SMALL_TALK,
    TICKET_ADDED_TO,
    TICKET_OPENED,
)
from graphs.chat.orders import OrderInfo, OrderServiceUnavailable, describe_order, order_id_spans
from graphs.chat.smalltalk import detect_small_talk
from graphs.chat.state import ChatState
from graphs.chat.tool_arguments import argument_prompt, fill_arguments, transcript
from graphs.chat.tools import CreateTicketArgs, RequestHumanArgs, build_tools, ticket_category
from graphs.redaction.engine import Redactor, Span, placeholder
from graphs.redaction.streaming import StreamRedactor
from models.language import Language, detect_language, is_cjk, normalise_locale
from models.llm import ChatMessage, ChatModel, GenerationOptions, LLMError, astream
from prompts import load_prompt

logger = logging.getLogger(__name__)

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
    if state.get("offered_handoff") and accepts_offer(question):
        chat = None  # "好的，谢谢" to the offer of a person is a yes, not a thank-you
    elif declines_offer(question):  # "no thanks" to an offer or a clarifying question
        chat = "declined"
    elif accepts_offer(question):
        chat = "acknowledged"  # "ok", "好的" after an answer: nothing was offered to accept
    return {
        "query": query,
        "small_talk": chat,
        "intent": classified["intent"],
        "intent_top": [s.label for s in result.top],
        # Small talk is no request: "Thanks, that's all!" may read as a complaint to the model.
        # An acknowledgement may still be one ("转人工" asks for a person).
        "escalation": None if chat and chat != "acknowledged" else before_retrieval(classified),
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

    runtime.stream_writer({"token": HANDING_OVER[lang]})  # at once: the ticket takes a while
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
    filled = await fill_arguments(
        context.services.llm, schema, prompt, fallback, session=context.session_id or ""
    )
    arguments = _grounded(filled.values, state, context.services.redactor, lang)
    opened = await tools[name].ainvoke(arguments)
    rest = (TICKET_OPENED if opened["created"] else TICKET_ADDED_TO)[lang].format(id=opened["id"])
    runtime.stream_writer({"token": rest})
    call = {
        "name": name,
        "args": arguments,
        "from_model": filled.from_model,
        "seconds": round(filled.seconds, 3),
        "reason": reason,
    }
    return {
        **_reply(HANDING_OVER[lang] + rest, prompt_version="handover", handoff=True),
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
# Words that point back at something said before: "can I return it?", "这个能退吗".
_BACK_REFERENCES = re.compile(
    r"\b(?:it|its|that|this|them|those|these|ones)\b|它|这个|那个|这款|那款|这种|那种|这件|那件",
    re.IGNORECASE,
)
BACK_REFERENCE_MAX_WORDS = 8
BACK_REFERENCE_MAX_CHARS = 12


def is_follow_up(question: str) -> bool:
    """ "And for lamps?", "那灯具呢？", "opened ones?", "can I return it?": it leans on the
    previous question."""
    bare = question.strip().strip("?？。.!！")
    words = bare.split()
    cjk = sum(1 for c in bare if is_cjk(c))
    short = (
        len(words) <= BACK_REFERENCE_MAX_WORDS if not cjk else len(bare) <= BACK_REFERENCE_MAX_CHARS
    )
    return (
        bool(_FOLLOW_UP_OPENINGS.match(bare))
        or (len(words) <= 3 and len(bare) <= FOLLOW_UP_MAX_CHARS and not cjk)
        or (len(bare) <= 5 and cjk == len(bare))
        or (short and bool(_BACK_REFERENCES.search(bare)))
    )


def retrieval_query(question: str, history: list[AnyMessage]) -> str:
    """A follow-up is searched and classified together with the previous question."""
    earlier = [m for m in history[:-1] if isinstance(m, HumanMessage)]
    if earlier and is_follow_up(question):
        return f"{earlier[-1].content} {question}"
    return question


def retrieve(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Passages for the question and the sentences of them that bear on it, with a judgement
    of whether they answer it. Flags a clarification when neither the intent nor the knowledge
    base is clear about what is asked (and the last turn was not one already)."""
    services = runtime.context.services
    config = services.config
    query = state["query"]
    found = [_as_dict(p) for p in services.retriever.search(query, config.top_k)]
    evidence = select_evidence(
        query, found, services.retriever, max_sentences=3, max_sources=3, keep_ratio=0.8
    )
    grounding = judge(evidence, config)
    unsure = state["intent"]["confidence"] < config.clarify_below
    would_clarify = unsure and not grounding["answerable"] and not state.get("clarified")
    escalation = after_retrieval(
        state, answerable=grounding["answerable"], confident=grounding["confident"]
    )
    sources = within_budget(evidence.sources, config.passage_tokens, services.llm.count_tokens)
    answerable = grounding["answerable"]
    return {
        "passages": [source.passage for source in sources] if answerable else [],
        "evidence": [source.text for source in sources] if answerable else [],
        "grounding": grounding,
        "escalation": escalation,
        "needs_clarification": would_clarify and escalation is None,
    }


def within_budget(sources: list[Source], budget: int, count_tokens: Any) -> list[Source]:
    """The first sources whose texts fit in ``budget`` tokens (the first one always)."""
    kept: list[Source] = []
    used = 0
    for source in sources:
        used += count_tokens(source.text)
        if kept and used > budget:
            break
        kept.append(source)
    return kept


def judge(evidence: Evidence, config: ChatConfig) -> dict[str, Any]:
    """Whether the evidence answers the question: by the best passage's similarity to it, or,
    for a short keyword question that scores low by meaning, by a passage that holds nearly all
    of its words. (On the demo set, similarity told covered from uncovered questions better
    than sentence match or word coverage alone.)"""
    similarity = round(evidence.similarity, 4)
    return {
        "similarity": similarity,
        "match": round(evidence.match, 4),
        "coverage": round(evidence.coverage, 4),
        "answerable": bool(evidence.sources)
        and (
            similarity >= config.answer_min_similarity
            or evidence.coverage >= config.answer_min_coverage
        ),
        # A loose match is answered, with the offer of a person: it may miss the point.
        "confident": similarity >= config.answer_offer_below,
    }


def _as_dict(passage: object) -> dict[str, Any]:
    if is_dataclass(passage) and not isinstance(passage, type):
        return asdict(passage)
    return dict(vars(passage))


async def generate(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Answer with the sentences of the passages that state the answer, each cited. A sentence
    in the other language is translated by the LLM, and the translation is only sent while it
    keeps the original's numbers; otherwise the original is quoted. Nothing is said that the
    help centre does not say."""
    services = runtime.context.services
    lang = _lang(state)
    passages = state.get("passages", [])
    misses = state.get("misses", 0) + (1 if counts_as_miss(state) else 0)
    if not passages:
        no_source = _say(runtime, NO_SOURCE[lang], prompt_version="no-source", handoff=True)
        return {**no_source, "misses": misses}

    texts = [p["text"] for p in passages]
    public_values = await asyncio.to_thread(services.redactor.values, texts, lang)
    answer_stream = AnswerStream(
        StreamRedactor(services.redactor, lang, allow=public_values),
        lambda text: runtime.stream_writer({"token": text}),
    )
    versions = ["extract"]
    answer_stream.say_own(ANSWER_LEAD[lang])
    for number, (passage, text) in enumerate(
        zip(passages, state.get("evidence", []), strict=True), start=1
    ):
        glue = "" if lang == "zh" else " "
        if detect_language(text, default=lang) == lang:
            answer_stream.add(f"{glue}{text} [{number}]")
            continue
        system, user = load_prompt("translate_system", lang), load_prompt("translate_user", lang)
        versions.append(f"{system.version}+{user.version}")
        messages = [ChatMessage("system", system.text), ChatMessage("user", user.render(text=text))]
        answer_stream.add(glue)
        await answer_stream.send()  # what came before goes out while the model reads
        limits = GenerationOptions(
            max_tokens=services.config.max_answer_tokens,
            temperature=services.config.temperature,
            repeat_penalty=1.1,
        )
        session = runtime.context.session_id or ""
        async for piece in translated(services.llm, messages, limits, text, lang, passage, session):
            await answer_stream.stream(piece)
        answer_stream.add(f" [{number}]")
    offer = not (state.get("grounding") or {}).get("confident", True)
    if offer:  # a loose match: the answer may miss the point, so a person is offered too
        answer_stream.add(("\n" if lang == "en" else "") + OFFER_AFTER_ANSWER[lang])
    released = await answer_stream.finish()
    answer = released.strip()
    # Each prompt once, however many sentences it translated.
    reply = _reply(answer, prompt_version="+".join(dict.fromkeys(versions)), handoff=offer)
    # A loose answer is no sure help: with the question before it unanswered, it makes two.
    return {**reply, "passages": passages, "misses": misses if offer else 0}


async def translated(
    llm: ChatModel,
    messages: list[ChatMessage],
    limits: GenerationOptions,
    text: str,
    lang: Language,
    passage: dict[str, Any],
    session: str = "",
) -> AsyncIterator[str]:
    """The translation of ``text`` the messages ask for, piece by piece as the model writes it,
    each piece sent once it is checked: a number or currency the original lacks stops the
    translation before it goes out ("¥200" become "$200"), and so do an ending that lost one of
    the original's numbers and the model failing or too busy (its queue full): the original is
    then quoted after what was already sent."""
    budget = min(limits.max_tokens, max(64, 2 * llm.count_tokens(text)))
    options = replace(limits, max_tokens=budget)
    original = numbers(text)
    money = currencies(text)

    def faithful_so_far(written: str) -> bool:
        return not (numbers(written) - original or currencies(written) - money)

    written = ""  # what the model wrote
    sent = 0  # how much of it went out
    faithful = True
    try:
        async for piece in astream(llm, messages, options, key=session):
            written += piece
            if not faithful_so_far(without_open_number(written)):
                faithful = False
                break
            if (cut := release_point(written, sent)) > sent:
                yield written[sent:cut]
                sent = cut
    except LLMError as exc:  # the model died: what was sent stands, the original follows
        logger.warning("translation cut off, the original wording follows: %s", exc)
        faithful = False
    if faithful and faithful_so_far(written):  # whole now: the rest goes out
        yield written[sent:].rstrip()
        sent = len(written)
    else:
        faithful = False
    if not faithful or numbers(written[:sent]) != original:
        label = passage.get("title", "")
        yield ORIGINAL_WORDING[lang].format(title=label, text=text)


def redact_output(state: ChatState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Redact the whole answer once more before it is stored (streamed pieces already were)."""
    redactor = runtime.context.services.redactor
    lang = _lang(state)
    answer = state.get("answer", "")
    if redactor.analyze(answer, lang):  # only then are the passages' public values needed
        public_values = redactor.values((p["text"] for p in state.get("passages", [])), lang)
        answer = redactor.redact(answer, lang, allow=public_values).text
    return {"answer": answer, "messages": [AIMessage(answer)]}
