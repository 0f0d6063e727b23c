"""Tell Chinese from English text by its script."""

from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def detect_language(text: str, default: Language = "en") -> Language:
    """'zh' when Han characters make up a fair share of the letters, else 'en'."""
    han = sum(1 for ch in text if is_cjk(ch))
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if han == 0 and latin == 0:
        return default
    # A Han character carries about as much as a short English word.
    return "zh" if han * 3 >= latin * 0.5 and han > 0 else "en"


def normalise_locale(locale: str | None) -> Language | None:
    """Map 'zh-CN', 'zh_Hans', 'en-US' ... to 'zh' or 'en'; None when unknown or absent."""
    if not locale:
        return None
    primary = locale.replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return "zh"
    if primary == "en":
        return "en"
    return None
