"""Redact a stream of text pieces so that no personal data reaches the client, even when a
value is split across pieces.

Text is held back until it is at least ``hold`` characters behind the end of what has arrived
and outside every detected entity; only then is it redacted and released. A phone number whose
first digits arrived in one piece is therefore never released before its last digits are seen.

What is held is analysed with the last ``context`` characters already released in front of it,
as the whole text would be: a name is known by the cue before it (我叫 / "my name is"), and the
cue may have gone out in the piece before.
"""

from collections.abc import Iterable, Sequence

from graphs.redaction.engine import Redactor, Span, apply_placeholders, valid_text
from models.language import Language, is_cjk

_CJK_PUNCTUATION = "。，！？；：、）】》」』"
_FORCE_RELEASE_CHARS = 600


class StreamRedactor:
    def __init__(
        self,
        redactor: Redactor,
        lang: Language,
        allow: Iterable[str] = (),
        hold: int = 24,
        context: int = 64,
    ) -> None:
        self._redactor = redactor
        self._lang = lang
        self._allow = tuple(allow)
        self._hold = hold
        self._context_chars = context
        self._context = ""  # the raw end of what was released
        self._pending = ""

    def feed(self, piece: str) -> str:
        """Add raw text; return the redacted text that is now safe to release (maybe empty)."""
        self._pending += valid_text(piece)
        if len(self._pending) <= self._hold:
            return ""
        spans = self._analyze()
        cut = self._safe_cut(len(self._pending) - self._hold, spans)
        if cut <= 0:
            return ""
        return self._release(cut, [s for s in spans if s.end <= cut])

    def own(self, text: str) -> str:
        """Release the assistant's own text (a fixed phrase, known to hold no personal data)
        at once, after whatever is held: it becomes the context of what follows."""
        held = self.flush() if self._pending else ""
        self._context = (self._context + text)[-self._context_chars :]
        return held + text

    def flush(self) -> str:
        """Release everything still held, redacted."""
        return self._release(len(self._pending), self._analyze())

    def _analyze(self) -> list[Span]:
        """The findings in the held text, read after the context it follows. A finding that
        began in the released text (it grew with what came after) covers the held part."""
        shift = len(self._context)
        spans = self._redactor.analyze(self._context + self._pending, self._lang, self._allow)
        return [
            Span(s.entity, max(s.start - shift, 0), s.end - shift, s.score)
            for s in spans
            if s.end > shift
        ]

    def _release(self, cut: int, spans: Sequence[Span]) -> str:
        released, self._pending = self._pending[:cut], self._pending[cut:]
        self._context = (self._context + released)[-self._context_chars :]
        return apply_placeholders(released, spans)

    def _safe_cut(self, limit: int, spans: Sequence[Span]) -> int:
        """The last position up to ``limit`` that is a break and outside every entity."""
        text = self._pending
        for index in range(limit, 0, -1):
            if _is_break(text, index) and not any(s.start < index < s.end for s in spans):
                return index
        if len(text) > _FORCE_RELEASE_CHARS:  # no break at all in a long run: cut outside entities
            return min([limit, *(s.start for s in spans if s.start < limit < s.end)])
        return 0


def _is_break(text: str, index: int) -> bool:
    """A boundary no personal-data value crosses: after a space or Chinese punctuation, or
    between two Han characters."""
    before, after = text[index - 1], text[index] if index < len(text) else " "
    return before.isspace() or before in _CJK_PUNCTUATION or (is_cjk(before) and is_cjk(after))
