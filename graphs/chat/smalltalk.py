"""Greetings, thanks and goodbyes: answered kindly without searching the knowledge base."""

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


def detect_small_talk(text: str) -> SmallTalk | None:
    stripped = text.strip()
    for kind, pattern in _PATTERNS.items():
        if pattern.match(stripped):
            return kind
    return None
