"""Redaction of personal data in English and Chinese, also when streamed piece by piece."""

import pytest

from graphs.redaction.engine import Redactor
from graphs.redaction.recognizers import cn_id_card_valid, luhn_valid
from graphs.redaction.streaming import StreamRedactor


@pytest.mark.parametrize(
    ("text", "lang", "raw_values", "entities"),
    [
        (
            "Hi, this is Emily Clarke, call me on +1 415-555-0132 or emily.clarke@gmail.com",
            "en",
            ["Emily Clarke", "415-555-0132", "emily.clarke@gmail.com"],
            {"PERSON", "PHONE", "EMAIL"},
        ),
        (
            "我的手机是13812345678，邮箱zhangwei88@qq.com谢谢",
            "zh",
            ["13812345678", "zhangwei88@qq.com"],
            {"PHONE", "EMAIL"},
        ),
        (
            "身份证号110101199003074514，银行卡6222 0212 3456 7897 8",
            "zh",
            ["110101199003074514", "6222 0212 3456 7897 8"],
            {"ID_CARD", "BANK_CARD"},
        ),
        (
            "My card 4111-1111-1111-1111 from IP 10.24.3.7",
            "en",
            ["4111-1111-1111-1111", "10.24.3.7"],
            {"BANK_CARD", "IP"},
        ),
        (
            "收件人：欧阳娜娜，地址上海市浦东新区张江路100弄3号602室，登录IP是223.104.3.12",
            "zh",
            ["欧阳娜娜", "张江路100弄3号602室", "223.104.3.12"],
            {"PERSON", "ADDRESS", "IP"},
        ),
        (
            "我叫陈思远，身份证 110101 19900307 4514，刘强先生代收",
            "zh",
            ["陈思远", "110101 19900307 4514", "刘强"],
            {"PERSON", "ID_CARD"},
        ),
        (
            "Name Lucas Bianchi, please ship to Flat 3, 12 High Street, Oxford OX1 4AB",
            "en",
            ["Lucas Bianchi", "12 High Street", "OX1 4AB"],
            {"PERSON", "ADDRESS"},
        ),
    ],
)
def test_personal_data_is_replaced_by_its_type(
    redactor: Redactor, text: str, lang: str, raw_values: list[str], entities: set[str]
) -> None:
    result = redactor.redact(text, lang)  # type: ignore[arg-type]
    for value in raw_values:
        assert value not in result.text
    assert set(result.entities) == entities
    for entity in entities:
        assert f"[{entity}]" in result.text


def test_ordinary_shop_talk_is_left_alone(redactor: Redactor) -> None:
    for text, lang in [
        ("Orders over ¥199 ship free within 3-5 business days.", "en"),
        ("订单满199元包邮，30天内可退货。", "zh"),
    ]:
        assert redactor.redact(text, lang).text == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "我在王府井买的华为手环，寄到张家口，顺丰单号SF1402261002",
        "请拨打客服热线 400-820-1234，订单LM20261002的发票抬头是91310000MA1FL5LX3Q",
        "Can I swap the Huawei case for the Xiaomi one? Same price ¥59, ships to London",
        "白天送货就行，银行卡支付可以吗",
    ],
)
def test_places_brands_and_company_numbers_are_not_personal(redactor: Redactor, text: str) -> None:
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    assert redactor.analyze(text, lang) == []


def test_allowed_public_values_are_kept(redactor: Redactor) -> None:
    text = "Call our Shanghai store on 021-6234 5678."
    assert "6234 5678" not in redactor.redact(text, "en").text
    assert redactor.redact(text, "en", allow={"021-6234 5678"}).text == text


def test_checksums() -> None:
    assert cn_id_card_valid("110101199003074514")
    assert not cn_id_card_valid("110101199003074515")
    assert luhn_valid("4111 1111 1111 1111")
    assert not luhn_valid("4111 1111 1111 1112")


ANSWERS = [
    (
        "Sure! We will call you at +1 415-555-0132 and e-mail "
        "a.very.long.name.of.a.shopper@example-company.com today.",
        "en",
        ["415-555-0132", "a.very.long.name.of.a.shopper@example-company.com"],
    ),
    (
        "好的，我们会致电13812345678联系您，并发邮件到zhangwei@qq.com。身份证110101199003074514已核对。",
        "zh",
        ["13812345678", "zhangwei@qq.com", "110101199003074514"],
    ),
]


@pytest.mark.parametrize(("text", "lang", "raw_values"), ANSWERS)
@pytest.mark.parametrize("piece_size", [1, 2, 3, 7])
def test_streamed_text_never_releases_a_split_value(
    redactor: Redactor, text: str, lang: str, raw_values: list[str], piece_size: int
) -> None:
    stream = StreamRedactor(redactor, lang)  # type: ignore[arg-type]
    released = [stream.feed(text[i : i + piece_size]) for i in range(0, len(text), piece_size)]
    released.append(stream.flush())
    joined = "".join(released)
    assert joined == redactor.redact(text, lang).text  # type: ignore[arg-type]
    for value in raw_values:
        # not the value, and no digit run or local part of it either, in any released piece
        assert value not in joined
        fragment = value[: max(6, len(value) // 2)]
        assert all(fragment not in piece for piece in released)
    assert sum(1 for piece in released if piece) >= 2  # it does stream, not all at the end
