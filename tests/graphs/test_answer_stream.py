"""The answer on its way out: the bot's phrases at once, gathered text in one pass of the
analyzer, streamed text in steps, and nothing personal let through."""

import asyncio
from collections.abc import Iterable

from graphs.chat.answer_stream import STREAM_STEP_CHARS, STREAM_STEP_SECONDS, AnswerStream
from graphs.redaction.engine import Redactor, Span
from graphs.redaction.streaming import StreamRedactor
from models.language import Language


class CountingAnalyzer:
    """Finds nothing, and counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, text: str, lang: Language, allow: Iterable[str] = ()) -> list[Span]:
        self.calls += 1
        return []


def answer_stream(analyzer: object) -> tuple[AnswerStream, list[str]]:
    sent: list[str] = []
    redactor = StreamRedactor(analyzer, "en")  # type: ignore[arg-type]
    return AnswerStream(redactor, sent.append), sent


async def test_the_bots_own_phrase_goes_out_at_once() -> None:
    stream, sent = answer_stream(CountingAnalyzer())
    stream.say_own("Here is what our help centre says:")
    assert sent == ["Here is what our help centre says:"]


async def test_text_known_in_advance_is_read_once_and_sent_whole() -> None:
    analyzer = CountingAnalyzer()
    stream, sent = answer_stream(analyzer)
    stream.say_own("Here:")
    sentences = [" Returns are accepted within 30 days [1].", " Refunds take 5 days [2]."]
    for sentence in sentences:
        stream.add(sentence)
    answer = await stream.finish()
    assert answer == "Here:" + "".join(sentences) and "".join(sent) == answer
    assert analyzer.calls <= 2  # the whole text, then what was held at the end


async def test_a_streamed_text_is_read_in_steps_not_per_piece() -> None:
    analyzer = CountingAnalyzer()
    stream, _ = answer_stream(analyzer)
    text = "Express delivery costs fifteen yuan and arrives the next working day."
    for char in text:
        await stream.stream(char)
    assert await stream.finish() == text
    assert analyzer.calls <= len(text) // STREAM_STEP_CHARS + 2


async def test_a_fast_stream_is_read_no_more_often_than_the_step_allows() -> None:
    analyzer = CountingAnalyzer()
    stream, sent = answer_stream(analyzer)
    pieces = [
        f"{word} " for word in ["Express", "delivery", "costs", "fifteen", "yuan", "today."]
    ] * 4
    for piece in pieces:
        await stream.stream(piece)
    assert len(sent) == 1  # sent as soon as it could be, then not again so soon
    reads = analyzer.calls
    assert reads <= 3
    await asyncio.sleep(STREAM_STEP_SECONDS)
    await stream.stream("Thanks ")
    assert analyzer.calls == reads + 1 and len(sent) == 2  # the next step after the pause
    assert await stream.finish() == "".join(pieces) + "Thanks "


async def test_a_phone_number_split_across_pieces_never_goes_out(redactor: Redactor) -> None:
    sent: list[str] = []
    stream = AnswerStream(StreamRedactor(redactor, "zh"), sent.append)
    stream.say_own("帮助中心是这样说明的：")
    for piece in ["请拨打", "139", "1234", "5678", "联系我们的同事。"]:
        await stream.stream(piece)
    answer = await stream.finish()
    assert "13912345678" not in answer and "[PHONE]" in answer
    assert "".join(sent) == answer
