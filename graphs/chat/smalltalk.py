"""Greetings, thanks and goodbyes: answered kindly without searching the knowledge base.

A message is small talk when each of its parts (between commas and stops) is: "Thanks, that's
all!" and "好的谢谢，没有了" are, "hi, my order is late" is not."""

import re
from typing import Literal

SmallTalk = Literal["greeting", "thanks", "goodbye"]

_PATTERNS: dict[SmallTalk, re.Pattern[str]] = {
    "greeting": re.compile(
        r"^(亲+|hi+|hello+|hey+|hiya|good (morning|afternoon|evening)|你好+|您好|在吗|在不在|"
        r"在么|哈喽|嗨|有人吗|客服在吗)[\s,，!！。.~～?？呀啊呢哈]*(亲|there|you)?[\s!！。.~～?？]*$",
        re.IGNORECASE,
    ),
    "thanks": re.compile(
        r"^(ok(ay)?[\s,，]*)?(thanks?( a lot| so much)?|thank you( (so|very) much)?|thx|ty|cheers|"
        r"谢谢(你|您|啦|了)?|多谢|感谢|好的谢谢|好的,?谢谢|好的，谢谢)[\s!！。.~～]*$",
        re.IGNORECASE,
    ),
    "goodbye": re.compile(
        r"^(bye+|goodbye|see you|再见|拜拜|88|没事了|没有了|no,? that'?s all)[\s!！。.~～]*$",
        re.IGNORECASE,
    ),
}

# Parts that close a conversation without being thanks or goodbye themselves.
_CLOSING = re.compile(
    r"^(that'?s all|that is all|that'?s everything|that'?s it|nothing else|no more questions?|"
    r"all good|that helps?|that'?s helpful|very helpful|great|perfect|got it|"
    r"have a (nice|good) day|"
    r"没有了|没别的了|没有别的了|没其他问题了|没有其他问题了|就这些|就这样|没问题了|明白了|知道了|"
    r"好的|好|嗯|辛苦了|辛苦你了)$",
    re.IGNORECASE,
)
_PARTS = re.compile(r"[,，.。!！~～;；、]+")


def detect_small_talk(text: str) -> SmallTalk | None:
    stripped = text.strip()
    whole = _match(stripped)
    if whole is not None:
        return whole
    parts = [part.strip() for part in _PARTS.split(stripped) if part.strip()]
    if len(parts) < 2:
        return None
    kinds = [_match(part) or ("closing" if _CLOSING.match(part) else None) for part in parts]
    if None in kinds:
        return None
    for kind in ("thanks", "goodbye", "greeting"):
        if kind in kinds:
            return kind
    return "goodbye"  # closings only: "that's all, have a nice day"


def _match(part: str) -> SmallTalk | None:
    for kind, pattern in _PATTERNS.items():
        if pattern.match(part):
            return kind
    return None
