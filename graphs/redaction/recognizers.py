"""Recognizers for personal data in Chinese and English text, in Presidio's registry design.

Pattern recognizers are language-neutral (a phone number looks the same in both languages) and
are registered once per language; English person names come from spaCy's NER.
"""

import re
from typing import Any, ClassVar

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer, SpacyRecognizer

from graphs.redaction.addresses import ChineseAddressRecognizer, EnglishAddressRecognizer
from graphs.redaction.names import ChineseNameRecognizer, EnglishNameCueRecognizer

# Lookarounds instead of \b: in Chinese text there is no word boundary between a Han
# character and a digit or a Latin letter, so \b would miss "电话13812345678".
_NO_DIGIT_BEFORE = r"(?<![0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"


def luhn_valid(digits: str) -> bool:
    numbers = [int(d) for d in digits if d.isdigit()]
    if len(numbers) < 12:
        return False
    total = 0
    for index, value in enumerate(reversed(numbers)):
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_card_valid(text: str) -> bool:
    """GB 11643 checksum of an 18-character resident identity card number."""
    value = re.sub(r"[\s-]", "", text).upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


class EmailRecognizer(PatternRecognizer):
    """E-mail addresses, also when glued to Chinese text (联系我abc@x.cn谢谢) or to a number."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "email",
            # A digit may follow the top-level domain: "abc@qq.com13812345678" is an address
            # glued to a phone number (both are found), not no address at all.
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z])",
            0.9,
        )
    ]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="EMAIL",
            patterns=self.PATTERNS,
            supported_language=supported_language,
            name=f"EmailRecognizer-{supported_language}",
        )


class ChinesePhoneRecognizer(PatternRecognizer):
    """Mainland mobile (1[3-9]x, 11 digits, optional +86) and landline (0xx-xxxxxxxx) numbers."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "cn_mobile",
            _NO_DIGIT_BEFORE + r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}" + _NO_DIGIT_AFTER,
            0.85,
        ),
        Pattern(
            "cn_landline",
            _NO_DIGIT_BEFORE + r"(?:\(?0\d{2,3}\)?[\s-]?)\d{7,8}" + _NO_DIGIT_AFTER,
            0.6,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = ["电话", "手机", "号码", "联系", "phone", "mobile", "tel"]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="PHONE",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"ChinesePhoneRecognizer-{supported_language}",
        )


class ChineseIdCardRecognizer(PatternRecognizer):
    """18-character resident identity card numbers, kept only when the checksum holds."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "cn_id_card",
            _NO_DIGIT_BEFORE
            + r"[1-9]\d{5}[\s-]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            + r"[\s-]?\d{3}[\dXx]"
            + r"(?![0-9A-Za-z])",
            0.6,
        )
    ]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="ID_CARD",
            patterns=self.PATTERNS,
            context=["身份证", "证件", "ID card", "identity"],
            supported_language=supported_language,
            name=f"ChineseIdCardRecognizer-{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool:
        return cn_id_card_valid(pattern_text)


_DIGIT_RUN = re.compile(_NO_DIGIT_BEFORE + r"\d(?:[\s-]?\d)*" + _NO_DIGIT_AFTER)
_DIGIT_GROUP = re.compile(r"\d+")
CARD_DIGITS = (13, 19)


def card_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` writes a card number: 13-19 digits passing the Luhn check, in one or more
    groups of a run of digits (single spaces or dashes between them). A run may hold more than
    the card: "4111 1111 1111 1111 12/28" ends with the expiry month, "x2 4111..." begins with a
    quantity; the longest card in a run is taken, then the longest in what is left."""
    spans: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = list(_DIGIT_GROUP.finditer(text, run.start(), run.end()))
        candidates = []
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group.group()
                if len(digits) > CARD_DIGITS[1]:
                    break
                if len(digits) >= CARD_DIGITS[0] and luhn_valid(digits):
                    candidates.append((groups[first].start(), group.end(), len(digits)))
        for start, end, _ in sorted(candidates, key=lambda c: (-c[2], c[0])):
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
    return sorted(spans)


class BankCardRecognizer(PatternRecognizer):
    """Bank and credit card numbers (UnionPay, Visa, ...): 13-19 digits passing the Luhn check.

    One pattern with a checksum would test only the longest run of digits it matches, and let
    a card followed by its expiry or preceded by a quantity through; ``card_spans`` tests each
    way the run's groups can make a card."""

    PATTERNS: ClassVar[list[Pattern]] = [Pattern("bank_card", _DIGIT_RUN.pattern, 0.5)]

    def __init__(self, supported_language: str) -> None:
        self._label = f"BankCardRecognizer-{supported_language}"
        super().__init__(
            supported_entity="BANK_CARD",
            patterns=self.PATTERNS,
            context=["卡号", "银行卡", "信用卡", "card", "visa", "mastercard"],
            supported_language=supported_language,
            name=self._label,
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        pattern = self.PATTERNS[0]
        results = []
        for start, end in card_spans(text):
            explanation = self.build_regex_explanation(
                self._label, pattern.name, pattern.regex, pattern.score, True, regex_flags or 0
            )
            explanation.score = self.MAX_SCORE  # the checksum holds
            results.append(
                RecognizerResult(
                    entity_type="BANK_CARD",
                    start=start,
                    end=end,
                    score=self.MAX_SCORE,
                    analysis_explanation=explanation,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return results


class IpAddressRecognizer(PatternRecognizer):
    """IPv4 and IPv6 addresses, also glued to Chinese text ("我的IP是223.104.3.12")."""

    _OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "ipv4",
            r"(?<![0-9.])" + rf"{_OCTET}(?:\.{_OCTET}){{3}}" + r"(?![0-9]|\.[0-9])",
            0.6,
        ),
        Pattern(
            "ipv6",
            r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})"
            r"(?:[0-9A-Fa-f]{0,4}:?){0,5}(?![0-9A-Fa-f:])",
            0.5,
        ),
    ]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="IP",
            patterns=self.PATTERNS,
            context=["ip", "IP地址", "地址", "登录", "login", "address"],
            supported_language=supported_language,
            name=f"IpAddressRecognizer-{supported_language}",
        )


_HAN = re.compile(r"[\u4e00-\u9fff]")


class EnglishNerRecognizer(SpacyRecognizer):
    """Person names by spaCy's English model, in Latin script only: the model takes runs of
    Chinese words for names ("我的手机号是"), or not, by what surrounds them, and such a run
    would swallow a Chinese name the Chinese recognizer found ("我叫陈思远先生 ..."), which is
    the one to keep."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts)
            if not _HAN.search(text[result.start : result.end])
        ]


def default_recognizers(languages: tuple[str, ...] = ("en", "zh")) -> list[EntityRecognizer]:
    """The registry Kefu starts with; more recognizers can be added per shop."""
    recognizers: list[EntityRecognizer] = []
    for language in languages:
        recognizers += [
            EmailRecognizer(language),
            ChinesePhoneRecognizer(language),
            ChineseIdCardRecognizer(language),
            BankCardRecognizer(language),
            IpAddressRecognizer(language),
            ChineseNameRecognizer(language),
            ChineseAddressRecognizer(language),
            EnglishAddressRecognizer(language),
            PhoneRecognizer(
                supported_language=language,
                supported_entity="PHONE",
                supported_regions=(
                    "US",
                    "GB",
                    "CN",
                    "HK",
                    "TW",
                    "SG",
                    "AU",
                    "CA",
                    "DE",
                    "FR",
                    "JP",
                ),
                name=f"PhoneRecognizer-{language}",
            ),
        ]
    if "en" in languages:
        recognizers.append(
            EnglishNerRecognizer(supported_language="en", supported_entities=["PERSON"])
        )
        recognizers.append(EnglishNameCueRecognizer("en"))
    return recognizers
