"""Routing and state of the chat graph, with a scripted model and fixed passages."""

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graphs.chat.context import ChatConfig, ChatServices, TurnContext
from graphs.chat.graph import build_chat_graph
from graphs.chat.grounding import currencies
from graphs.chat.messages import (
    ANSWER_LEAD,
    CLARIFY,
    HANDING_OVER,
    HANDOVER_UNAVAILABLE,
    INTENT_NAMES,
    NO_SOURCE,
    ORIGINAL_WORDING,
    SMALL_TALK,
    TICKET_OPENED,
)
from graphs.chat.nodes import is_follow_up
from graphs.chat.smalltalk import detect_small_talk
from graphs.redaction.engine import Redactor
from tests.fakes import (
    FakeRetriever,
    FakeTicketDesk,
    FakeVault,
    FixedIntents,
    ScriptedChatModel,
    passage,
)

RETURNS = passage("Most items can be returned within 30 days of delivery.")


def services(llm: ScriptedChatModel, retriever: FakeRetriever, redactor: Redactor) -> ChatServices:
    return ChatServices(llm, retriever, redactor, FixedIntents(), ChatConfig())


async def run(
    graph: Any, svc: ChatServices, message: str, thread: str = "t1"
) -> tuple[list[str], dict[str, Any]]:
    tokens: list[str] = []
    config = {"configurable": {"thread_id": thread}}
    async for mode, chunk in graph.astream(
        {}, config, context=TurnContext(svc, message), stream_mode=["custom", "updates"]
    ):
        if mode == "custom":
            tokens.append(chunk["token"])
    state = (await graph.aget_state(config)).values
    return tokens, state


async def test_an_answer_states_the_passage_in_its_words_with_its_citation(
    redactor: Redactor,
) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    graph = build_chat_graph(InMemorySaver())
    tokens, state = await run(
        graph, services(llm, FakeRetriever([RETURNS]), redactor), "How long can I return things?"
    )
    assert "".join(tokens) == f"{ANSWER_LEAD['en']} {RETURNS.text} [1]"
    assert state["answer"] == "".join(tokens)
    assert [p["chunk_id"] for p in state["passages"]] == [RETURNS.chunk_id]
    assert state["handoff"] is False and state["grounding"]["answerable"] is True
    assert state["intent"] == {"label": "check_refund_policy", "confidence": 0.9}
    assert llm.prompts == []  # same language: nothing to translate


async def test_a_passage_in_the_other_language_is_translated(redactor: Redactor) -> None:
    llm = ScriptedChatModel([["大部分商品可在签收后", "30天内退货。"]])
    graph = build_chat_graph(InMemorySaver())
    tokens, _ = await run(
        graph, services(llm, FakeRetriever([RETURNS]), redactor), "退货期限是多久？"
    )
    assert "".join(tokens) == f"{ANSWER_LEAD['zh']}大部分商品可在签收后30天内退货。 [1]"
    assert RETURNS.text in llm.prompts[0][-1].content  # the passage is what is translated
    assert llm.prompts[0][-1].content.startswith("把下面的文字翻译成简体中文")


@pytest.mark.parametrize(
    "reply",
    [["大部分商品可在签收后", "60天内退货。"], ["大部分商品都可以退货。"], ["  "]],
    ids=["changed number", "lost number", "empty"],
)
async def test_an_unfaithful_translation_is_followed_by_the_original(
    redactor: Redactor, reply: list[str]
) -> None:
    llm = ScriptedChatModel([reply])
    graph = build_chat_graph(InMemorySaver())
    tokens, _ = await run(
        graph, services(llm, FakeRetriever([RETURNS]), redactor), "退货期限是多久？"
    )
    answer = "".join(tokens)
    assert "60" not in answer
    assert answer.endswith(
        ORIGINAL_WORDING["zh"].format(title="Returns", text=RETURNS.text) + " [1]"
    )


@pytest.mark.parametrize(
    ("message", "lang"), [("Do you sell cars?", "en"), ("你们卖汽车吗？", "zh")]
)
async def test_no_source_means_no_guess_and_an_offer_of_a_person(
    redactor: Redactor, message: str, lang: str
) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    weak = passage("Unrelated text.", score=0.1)
    graph = build_chat_graph(InMemorySaver())
    tokens, state = await run(graph, services(llm, FakeRetriever([weak]), redactor), message)
    assert llm.prompts == []
    assert state["handoff"] is True and state["passages"] == []
    assert "".join(tokens) == NO_SOURCE[lang]  # type: ignore[index]


async def test_second_turn_sees_the_first(redactor: Redactor) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    retriever = FakeRetriever([RETURNS])
    graph = build_chat_graph(InMemorySaver())
    svc = services(llm, retriever, redactor)
    _, first = await run(graph, svc, "How long do I have to return a lamp?")
    _, state = await run(graph, svc, "And for opened ones?")
    assert retriever.queries[1] == "How long do I have to return a lamp? And for opened ones?"
    assert [m.content for m in state["messages"]] == [
        "How long do I have to return a lamp?",
        first["answer"],
        "And for opened ones?",
        state["answer"],
    ]


async def test_raw_personal_data_never_enters_the_state_or_the_prompt(redactor: Redactor) -> None:
    llm = ScriptedChatModel([["我们会打 138", "0013", "8000 联系您。"]])
    saver = InMemorySaver()
    graph = build_chat_graph(saver)
    message = "我的电话是13912345678，邮箱li.lei@163.com，退货期限是多久？"
    tokens, state = await run(graph, services(llm, FakeRetriever([RETURNS]), redactor), message)
    assert "13912345678" not in str(llm.prompts) and "li.lei@163.com" not in str(llm.prompts)
    # a translation with a number the passage lacks is cut off before it: the original follows
    assert "138" not in "".join(tokens) and "138" not in state["answer"]
    assert RETURNS.text in state["answer"]
    checkpoint_dump = repr(list(saver.storage.items())) + repr(dict(saver.writes))
    for raw in ("13912345678", "li.lei@163.com", "13800138000"):
        assert raw not in checkpoint_dump


async def test_with_the_model_failing_a_translated_answer_quotes_the_original(
    redactor: Redactor,
) -> None:
    llm = ScriptedChatModel([["x"]], fail=True)
    graph = build_chat_graph(InMemorySaver())
    tokens, state = await run(
        graph, services(llm, FakeRetriever([RETURNS]), redactor), "怎么退货？"
    )
    assert llm.prompts  # the translation was asked for, and failed
    assert RETURNS.text in state["answer"] and "原文：“" in state["answer"]
    assert "".join(tokens).strip() == state["answer"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [("你好", SMALL_TALK["greeting"]["zh"]), ("thanks!", SMALL_TALK["thanks"]["en"])],
)
async def test_small_talk_is_answered_without_search_or_model(
    redactor: Redactor, message: str, expected: str
) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    retriever = FakeRetriever([RETURNS])
    graph = build_chat_graph(InMemorySaver())
    tokens, state = await run(graph, services(llm, retriever, redactor), message)
    assert "".join(tokens) == expected and state["answer"] == expected
    assert llm.prompts == [] and retriever.queries == []


async def test_a_thank_you_that_the_model_reads_as_a_complaint_is_still_small_talk(
    redactor: Redactor,
) -> None:
    """Seen in the widget: "Thanks, that's all!" was a complaint at 0.84 and opened a ticket."""
    llm = ScriptedChatModel([["should not be called"]])
    svc = ChatServices(
        llm, FakeRetriever([RETURNS]), redactor, FixedIntents("complaint", 0.84), ChatConfig()
    )
    graph = build_chat_graph(InMemorySaver())
    for message, kind in (("Thanks, that's all!", "thanks"), ("好的谢谢，没有了", "thanks")):
        tokens, state = await run(graph, svc, message)
        lang = "zh" if "好" in message else "en"
        assert "".join(tokens) == SMALL_TALK[kind][lang]
        assert state["handoff"] is False and state.get("ticket") is None
    # A complaint after a greeting is no small talk.
    _, state = await run(graph, svc, "hi, the parcel arrived broken and nobody answers")
    assert state["escalation"] == "complaint"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Thanks, that's all!", "thanks"),
        ("好的谢谢，没有了", "thanks"),
        ("谢谢，再见", "thanks"),
        ("that's all, have a nice day", "goodbye"),
        ("hello!", "greeting"),
        ("hi, my order is late", None),
        ("好的", None),  # an acknowledgement, or a yes to an offer: not small talk
        ("thanks, but where is my refund?", None),
    ],
)
def test_small_talk_is_every_part_of_the_message(message: str, kind: str | None) -> None:
    assert detect_small_talk(message) == kind


async def test_an_unclear_turn_is_clarified_once_instead_of_guessed(redactor: Redactor) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    weak = passage("Refunds are processed within 5 business days.", score=0.2)
    svc = ChatServices(
        llm,
        FakeRetriever([weak]),
        redactor,
        FixedIntents("get_refund", 0.2, runner_up="track_refund"),
        ChatConfig(),
    )
    graph = build_chat_graph(InMemorySaver())
    tokens, state = await run(graph, svc, "the money thing")
    assert "".join(tokens) == CLARIFY["en"].format(
        first=INTENT_NAMES["get_refund"]["en"], second=INTENT_NAMES["track_refund"]["en"]
    )
    assert llm.prompts == [] and state["handoff"] is False
    # still unclear on the next turn: no second question, but a person (none is connected here)
    tokens, state = await run(graph, svc, "refund")
    assert "".join(tokens) == HANDOVER_UNAVAILABLE["en"] and state["handoff"] is True
    assert state["clarified"] is False
    assert llm.prompts == []


async def test_a_strong_passage_is_answered_even_when_the_intent_is_unsure(
    redactor: Redactor,
) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    strong = passage("LED modules of lamps have a 2-year warranty.", title="Warranty", score=0.6)
    svc = ChatServices(
        llm, FakeRetriever([strong]), redactor, FixedIntents("oos", 0.3), ChatConfig()
    )
    tokens, _ = await run(build_chat_graph(InMemorySaver()), svc, "warranty on lamp LEDs?")
    assert "".join(tokens) == f"{ANSWER_LEAD['en']} {strong.text} [1]"


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("And for opened ones?", True),
        ("what about lamps", True),
        ("opened ones?", True),
        ("那灯具呢？", True),
        ("还有运费吗", True),
        ("灯具呢？", True),
        ("Can I return it?", True),
        ("这个能退吗？", True),
        ("How much does express shipping cost?", False),
        ("Is there a student discount code?", False),
        ("Do you have a physical store in Shanghai where I can see the lamps?", False),
        ("发票怎么开？公司需要什么信息？", False),
        ("退货期限是多久？", False),
    ],
)
def test_follow_ups_are_recognised(question: str, follow_up: bool) -> None:
    assert is_follow_up(question) is follow_up


def escalation_services(
    redactor: Redactor, intents: FixedIntents, desk: FakeTicketDesk
) -> ChatServices:
    llm = ScriptedChatModel([["should not be called"]])
    weak = passage("Unrelated.", score=0.1)
    return ChatServices(llm, FakeRetriever([weak]), redactor, intents, ChatConfig(), tickets=desk)


async def run_in_session(
    graph: Any, svc: ChatServices, message: str, session: str
) -> tuple[list[str], dict[str, Any]]:
    tokens: list[str] = []
    config = {"configurable": {"thread_id": session}}
    context = TurnContext(svc, message, session_id=session)
    async for mode, chunk in graph.astream(
        {}, config, context=context, stream_mode=["custom", "updates"]
    ):
        if mode == "custom":
            tokens.append(chunk["token"])
    return tokens, (await graph.aget_state(config)).values


@pytest.mark.parametrize(
    ("label", "priority", "category"),
    [("contact_human_agent", "normal", "CONTACT"), ("complaint", "high", "FEEDBACK")],
)
async def test_asking_for_a_person_or_complaining_opens_a_ticket(
    redactor: Redactor, label: str, priority: str, category: str
) -> None:
    desk = FakeTicketDesk()
    svc = escalation_services(redactor, FixedIntents(label, 0.9), desk)
    tokens, state = await run_in_session(
        build_chat_graph(InMemorySaver()), svc, "我要找人工，电话13912345678", "s-9"
    )
    assert state["ticket"] == {"id": 1001, "status": "open"} and state["handoff"] is True
    # Said at once, before the model writes the ticket's fields; the number follows.
    assert tokens == [HANDING_OVER["zh"], TICKET_OPENED["zh"].format(id=1001)]
    assert desk.calls == [
        {
            "session_id": "s-9",
            "summary": "我要找人工，电话[PHONE]",
            "category": category,
            "priority": priority,
            "order_id": None,
        }
    ]


async def test_the_second_unanswered_question_in_a_row_is_handed_over(redactor: Redactor) -> None:
    desk = FakeTicketDesk()
    svc = escalation_services(redactor, FixedIntents("check_refund_policy", 0.9), desk)
    graph = build_chat_graph(InMemorySaver())
    tokens, state = await run_in_session(graph, svc, "Do you rent out tractors?", "s-10")
    assert "".join(tokens) == NO_SOURCE["en"] and state.get("ticket") is None
    assert state["handoff"] is True and state["offered_handoff"] is True
    _, state = await run_in_session(graph, svc, "Do you sell seeds for tomatoes?", "s-10")
    assert state["ticket"]["id"] == 1001 and len(desk.calls) == 1
    assert desk.calls[0]["priority"] == "normal"


async def test_off_topic_chat_is_not_a_miss(redactor: Redactor) -> None:
    desk = FakeTicketDesk()
    svc = escalation_services(redactor, FixedIntents("oos", 0.9), desk)
    graph = build_chat_graph(InMemorySaver())
    for question in ("What's the weather tomorrow?", "Tell me a joke"):
        _, state = await run_in_session(graph, svc, question, "s-10b")
        assert state.get("ticket") is None and state["misses"] == 0
    assert desk.calls == []


async def test_confident_ordinary_questions_do_not_escalate(redactor: Redactor) -> None:
    desk = FakeTicketDesk()
    llm = ScriptedChatModel([["Within 30 days [1]."]])
    svc = ChatServices(
        llm, FakeRetriever([RETURNS]), redactor, FixedIntents(), ChatConfig(), tickets=desk
    )
    _, state = await run_in_session(
        build_chat_graph(InMemorySaver()), svc, "How long can I return?", "s-11"
    )
    assert desk.calls == [] and state.get("ticket") is None and state["handoff"] is False


async def test_a_repeated_escalating_turn_reuses_its_ticket(redactor: Redactor) -> None:
    """The idempotency key is session and turn: retrying a turn makes no second ticket."""
    desk = FakeTicketDesk()
    svc = escalation_services(redactor, FixedIntents("contact_human_agent", 0.95), desk)
    _, first = await run_in_session(build_chat_graph(InMemorySaver()), svc, "human please", "s-12")
    _, retried = await run_in_session(
        build_chat_graph(InMemorySaver()), svc, "human please", "s-12"
    )
    assert first["ticket"]["id"] == retried["ticket"]["id"]
    assert len(desk.by_key) == 1


async def test_the_policy_decides_per_type_what_the_model_and_the_state_see(
    redactor: Redactor,
) -> None:
    vault = FakeVault()
    llm = ScriptedChatModel([["should not be called"]])
    svc = ChatServices(
        llm,
        FakeRetriever([RETURNS]),
        redactor,
        FixedIntents("contact_human_agent", 0.9),
        ChatConfig(pii_policy={"PHONE": "pseudonymise", "EMAIL": "keep", "ID_CARD": "mask"}),
        tickets=FakeTicketDesk(),
        vault=vault,
    )
    message = "Phone 13912345678, mail li.na@example.com, ID 110101199003074514. Agent please"
    _, state = await run_in_session(build_chat_graph(InMemorySaver()), svc, message, "pii-1")
    question = state["question"]
    assert question.startswith("Phone [PHONE:0000000000], mail li.na@example.com, ID [ID_CARD].")
    assert vault.originals == {"[PHONE:0000000000]": "13912345678"}
    prompt = "".join(m.content for m in llm.tool_prompts[0])  # the hand-over's arguments
    assert "13912345678" not in prompt and "[PHONE:0000000000]" in prompt


async def test_a_translation_that_changes_the_currency_is_followed_by_the_original(
    redactor: Redactor,
) -> None:
    fee = passage("退货运费为¥15。", title="Returns")
    llm = ScriptedChatModel([["The return shipping fee is $15. "]])
    graph = build_chat_graph(InMemorySaver())
    tokens, _ = await run(
        graph, services(llm, FakeRetriever([fee]), redactor), "How much is return shipping?"
    )
    answer = "".join(tokens)
    assert "$15" not in answer
    assert ORIGINAL_WORDING["en"].format(title="Returns", text=fee.text) in answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("运费¥15", {"CNY"}),
        ("15元", {"CNY"}),
        ("It costs $15 or 15 dollars", {"USD"}),
        ("15 RMB, not €15", {"CNY", "EUR"}),
        ("Within 30 days", set()),
    ],
)
def test_currencies_are_read_from_symbols_and_words(text: str, expected: set[str]) -> None:
    assert currencies(text) == expected
