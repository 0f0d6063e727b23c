"""An answer on its way to the shopper: redacted as a stream, off the event loop, with as few
passes of the analyzer as the text allows."""

import asyncio
import time
from collections.abc import Callable

from graphs.redaction.streaming import StreamRedactor

STREAM_STEP_CHARS = 8  # a streamed text is redacted and sent in steps of at least this many
# characters, and read by the analyzer at most this often: each reading takes a few
# milliseconds of a core the LLM's threads are using (every 8 characters cost the generation
# 15% of its speed; bench.service_vs_raw).
STREAM_STEP_SECONDS = 0.15


class AnswerStream:
    """The bot's own phrases go out at once. Text known in advance (the help centre's own
    sentences) is gathered and redacted in one pass, when something slower is to follow (a
    translation) or at the end. A translation is redacted as it streams. The analyzer runs on a
    worker thread, so the event loop goes on serving other shoppers meanwhile."""

    def __init__(self, redactor: StreamRedactor, write: Callable[[str], None]) -> None:
        self._redactor = redactor
        self._write = write
        self._gathered: list[str] = []
        self._released: list[str] = []
        self._quiet_until = 0.0  # the analyzer read the stream last: not before this again

    def say_own(self, text: str) -> None:
        """A fixed phrase of the bot's (the lead before an answer): out at once."""
        if self._gathered:
            raise RuntimeError("the bot's own phrase must come before gathered text")
        self._send(self._redactor.own(text))

    def add(self, text: str) -> None:
        """Text known in advance: sent with the next ``send`` or at ``finish``."""
        self._gathered.append(text)

    async def send(self) -> None:
        """Send what is gathered, as far as the redactor lets it go."""
        text = "".join(self._gathered)
        self._gathered.clear()
        if text:
            self._send(await asyncio.to_thread(self._redactor.feed, text))

    async def stream(self, piece: str) -> None:
        """A piece of text as it is made (a translation): sent a few characters at a time, and
        no more often than the analyzer may read it, as the model shares its cores."""
        self.add(piece)
        size = sum(len(text) for text in self._gathered)
        if size < STREAM_STEP_CHARS or time.monotonic() < self._quiet_until:
            return
        released = len(self._released)
        await self.send()
        if len(self._released) > released:  # until text first goes out, every step is read
            self._quiet_until = time.monotonic() + STREAM_STEP_SECONDS

    async def finish(self) -> str:
        """Send everything still held; the whole answer as sent."""
        text = "".join(self._gathered)
        self._gathered.clear()
        self._send(await asyncio.to_thread(self._feed_and_flush, text))
        return "".join(self._released)

    def _feed_and_flush(self, text: str) -> str:
        return self._redactor.feed(text) + self._redactor.flush()

    def _send(self, text: str) -> None:
        if text:
            self._released.append(text)
            self._write(text)
