"""The chat service turns graph progress into contract events, and failures into `error`."""

import asyncio

from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import Engine

from app.services.chat import ChatEvent, ChatService, TurnRequest
from app.services.transcripts import TranscriptStore
from graphs.chat.context import ChatConfig, ChatServices
from graphs.chat.graph import build_chat_graph
from graphs.redaction.engine import Redactor
from tests.fakes import FakeRetriever, FixedIntents, ScriptedChatModel, passage

RETRIEVER = FakeRetriever([passage("Returns are accepted within 30 days.")])


def make_service(
    engine: Engine,
    llm: ScriptedChatModel,
    redactor: Redactor,
    retriever: FakeRetriever = RETRIEVER,
    turn_timeout: float | None = None,
) -> tuple[ChatService, TranscriptStore]:
    transcripts = TranscriptStore(engine)
    services = ChatServices(llm, retriever, redactor, FixedIntents(), ChatConfig())
    graph = build_chat_graph(InMemorySaver())
    return ChatService(graph, services, transcripts, turn_timeout=turn_timeout), transcripts


async def collect(service: ChatService, request: TurnRequest) -> list[ChatEvent]:
    return [event async for event in service.run_turn(request)]


async def test_events_follow_the_contract_order(engine: Engine, redactor: Redactor) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    service, transcripts = make_service(engine, llm, redactor)
    events = await collect(service, TurnRequest("How long can I return things?", session_id="s-1"))
    names = [e.event for e in events]
    assert names[:2] == ["session", "intent"] and names[-2:] == ["sources", "done"]
    assert set(names[2:-2]) == {"token"}
    done = events[-1].data
    assert done["session_id"] == "s-1" and done["ticket_id"] is None and done["handoff"] is False
    assert (
        done["answer"] == "".join(str(e.data["text"]) for e in events if e.event == "token").strip()
    )
    assert [m.role for m in transcripts.messages("s-1")] == ["shopper", "assistant"]


async def test_a_failed_turn_ends_with_an_error_event_in_the_shoppers_language(
    engine: Engine, redactor: Redactor
) -> None:
    retriever = FakeRetriever([], fail=True)  # the knowledge store is away
    service, transcripts = make_service(engine, ScriptedChatModel([["x"]]), redactor, retriever)
    events = await collect(service, TurnRequest("退货要多久？", session_id="s-2"))
    assert [e.event for e in events][-1] == "error"
    assert events[-1].data == {
        "code": "internal_error",
        "message": "服务器出了点问题，请稍后再试。",
    }
    assert "done" not in [e.event for e in events]
    assert transcripts.messages("s-2") == []  # no half turn is stored


async def test_with_the_llm_down_a_translated_answer_gives_the_original_wording(
    engine: Engine, redactor: Redactor
) -> None:
    service, transcripts = make_service(engine, ScriptedChatModel([["x"]], fail=True), redactor)
    events = await collect(service, TurnRequest("退货要多久？", session_id="s-5"))  # translated
    assert events[-1].event == "done"
    assert "Returns are accepted within 30 days." in str(events[-1].data["answer"])
    assert [m.role for m in transcripts.messages("s-5")] == ["shopper", "assistant"]


async def test_a_turn_past_its_deadline_ends_with_an_error_and_the_session_goes_on(
    engine: Engine, redactor: Redactor
) -> None:
    llm = ScriptedChatModel([["退货", "期限", "是", "30", "天。"]], delay=0.5)
    service, transcripts = make_service(engine, llm, redactor, turn_timeout=1.0)
    started = asyncio.get_running_loop().time()
    events = await collect(service, TurnRequest("退货要多久？", session_id="s-4"))  # translated
    assert asyncio.get_running_loop().time() - started < 5
    assert events[-1].event == "error" and events[-1].data == {
        "code": "turn_timeout",
        "message": "抱歉，这次回答用时太长。请稍后再问一次，或者转人工客服。",
    }
    assert transcripts.messages("s-4") == []  # no half turn is stored
    for _ in range(50):  # the model was told to stop, not left generating for nobody
        if llm.cancelled:
            break
        await asyncio.sleep(0.1)
    assert llm.cancelled == 1
    llm.delay = 0.0
    again = await collect(service, TurnRequest("退货要多久？", session_id="s-4"))
    assert again[-1].event == "done"
    assert [m.role for m in transcripts.messages("s-4")] == ["shopper", "assistant"]


async def test_concurrent_turns_of_one_session_do_not_interleave(
    engine: Engine, redactor: Redactor
) -> None:
    llm = ScriptedChatModel([["should not be called"]])
    retriever = FakeRetriever([passage("Returns are accepted within 30 days.")])
    service, transcripts = make_service(engine, llm, redactor, retriever)
    await asyncio.gather(
        collect(service, TurnRequest("How do returns work?", session_id="s-3")),
        collect(service, TurnRequest("And refunds?", session_id="s-3")),
    )
    roles = [m.role for m in transcripts.messages("s-3")]
    assert roles == ["shopper", "assistant", "shopper", "assistant"]
    # the second turn saw the first: its follow-up was searched with the first question
    assert retriever.queries[1] == "How do returns work? And refunds?"
