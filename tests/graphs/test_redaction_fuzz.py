"""Property tests of the redactor (the real Presidio, spaCy and jieba): personal data planted in
any Chinese or English text never comes out, redaction is idempotent, no text crashes it or
makes it return what is not valid text, and the stream gives what the whole text gives however
it is cut into pieces."""

import re
from datetime import date, timedelta
from itertools import pairwise

import hypothesis.core
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.vendor.pretty import RepresentationPrinter

from graphs.redaction.engine import Redactor
from graphs.redaction.recognizers import cn_id_card_valid, luhn_valid
from graphs.redaction.streaming import StreamRedactor
from models.language import Language

# schemathesis' pytest plugin blanks Hypothesis' report of a failing example; these tests need
# it to say which text failed.
hypothesis.core.RepresentationPrinter = RepresentationPrinter  # type: ignore[misc]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis folder in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
langs = st.sampled_from(["zh", "en"])

# --- personal data, made valid -------------------------------------------------------------------


def grouped(digits: str, separator: str, size: int = 4) -> str:
    return separator.join(digits[i : i + size] for i in range(0, len(digits), size))


def with_luhn_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """Visa, Mastercard, UnionPay, Amex and Discover numbers with their check digit, written
    plain or in groups."""
    prefix, length = draw(
        st.sampled_from(
            [("4", 16), ("51", 16), ("55", 16), ("62", 16), ("6222", 19), ("37", 15), ("6011", 16)]
        )
    )
    body = prefix + draw(st.text("0123456789", min_size=length - len(prefix) - 1, max_size=18))
    digits = with_luhn_digit(body[: length - 1])
    return grouped(digits, draw(st.sampled_from(["", " ", "-"])))


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    digits = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    layout = draw(st.sampled_from(["plain", "spaced", "dashed", "+86"]))
    if layout == "spaced":
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if layout == "dashed":
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return f"+86 {digits}" if layout == "+86" else digits


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@st.composite
def id_card_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110101", "310115", "440305", "510107", "330106"]))
    born = date(1930, 1, 1) + timedelta(days=draw(st.integers(0, 80 * 365)))
    body = region + born.strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3))
    number = (
        body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    )
    assert cn_id_card_valid(number)
    return number


emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,14}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,8})?", fullmatch=True),
    st.sampled_from(["com", "cn", "net", "org", "io", "com.cn", "co.uk"]),
)
chinese_addresses = st.builds(
    "{}{}{}{}号{}".format,
    st.sampled_from(["上海市", "广东省深圳市", "北京市", "浙江省杭州市", ""]),
    st.sampled_from(["浦东新区", "福田区", "朝阳区", "西湖区"]),
    st.sampled_from(["张江路", "福华三路", "建国路", "文三路", "环市东路"]),
    st.integers(1, 999),
    st.sampled_from(["602室", "国贸中心B座2201", "3栋1单元502", "财富大厦36楼"]),
)
english_addresses = st.builds(
    "{} {} {}{}".format,
    st.integers(1, 9999),
    st.sampled_from(["High", "Elm", "Kingsland", "Nathan", "Maple"]),
    st.sampled_from(["Street", "Road", "Avenue", "Lane"]),
    st.sampled_from(["", ", Oxford OX1 4AB", ", Columbus, OH 43215", ", London E2 8DP"]),
)
personal = st.one_of(
    emails.map(lambda v: ("EMAIL", v)),
    mobile_numbers().map(lambda v: ("PHONE", v)),
    card_numbers().map(lambda v: ("BANK_CARD", v)),
    id_card_numbers().map(lambda v: ("ID_CARD", v)),
)

# --- the text around it --------------------------------------------------------------------------

WORDS = [
    *["我的手机号是", "电话", "邮箱", "卡号", "银行卡", "身份证号", "请联系我", "谢谢", "退货"],
    *["订单", "快递什么时候到", "好的", "my phone is", "email me at", "card", "ID", "thanks"],
    *["order", "please call", "refund", "ok", "12/28", "x2", "2件", "LM20261002", "¥199", "30天"],
]
# What may touch a value: no digit next to a number (that would be a longer number), no letter
# or dot next to an e-mail address (that would be a longer address).
BEFORE = [" ", "：", ": ", "，", "\n", "(", "是", "为", "到"]
AFTER = [" ", "，", "。", ")", "\n", "谢谢", "!", "?", "；", " 12/28", " x2", "吗"]
filler = st.lists(
    st.sampled_from(WORDS) | st.sampled_from(["。", "，", " ", "\n", "！"]), max_size=6
).map("".join)

# Names are known by the cue before them; what follows one must end it.
CHINESE_NAMES = ["张伟", "王芳", "李秀英", "陈思远", "欧阳娜娜", "刘强", "周杰"]
CHINESE_CUES = ["我叫", "收件人：", "联系人是", "我是", "姓名："]
NAME_ENDS = ["，", "。", " ", "！", "先生", "，电话"]
ENGLISH_NAMES = ["Emily Clarke", "Lucas Bianchi", "Grace Lee", "Tyler Brooks"]
ENGLISH_CUES = [" my name is ", "\nName: ", ". This is ", ", recipient: "]
ADDRESS_CUES = {
    "zh": ["寄到", "地址：", "收货地址是"],
    "en": [" ship to ", "\nAddress: ", " deliver to "],
}
Planted = tuple[str, str]  # (entity, value)


@st.composite
def planted_value(draw: st.DrawFn, lang: Language) -> tuple[str, Planted, str]:
    """What comes before a value, the value and what comes after it."""
    kind = draw(
        st.sampled_from(
            ["data", "data", "zh_name", "address", "en_name" if lang == "en" else "data"]
        )
    )
    if kind == "address":
        address = draw(chinese_addresses if lang == "zh" else english_addresses)
        after = draw(
            st.sampled_from(["，", "。", " please", "\n"] if lang == "en" else ["，", "。", " "])
        )
        return draw(st.sampled_from(ADDRESS_CUES[lang])), ("ADDRESS", address), after
    if kind == "zh_name":
        name = draw(st.sampled_from(CHINESE_NAMES))
        return (
            draw(st.sampled_from(CHINESE_CUES)),
            ("PERSON", name),
            draw(st.sampled_from(NAME_ENDS)),
        )
    if kind == "en_name":
        name = draw(st.sampled_from(ENGLISH_NAMES))
        return (
            draw(st.sampled_from(ENGLISH_CUES)),
            ("PERSON", name),
            draw(st.sampled_from([", ", ". "])),
        )
    before, after = draw(st.sampled_from(BEFORE)), draw(st.sampled_from(AFTER))
    return before, draw(personal), after


@st.composite
def texts_with_personal_data(draw: st.DrawFn, lang: Language) -> tuple[str, list[Planted]]:
    parts, planted = [draw(filler)], []
    for before, value, after in draw(st.lists(planted_value(lang), min_size=1, max_size=3)):
        parts += [before, value[1], after, draw(filler)]
        planted.append(value)
    return "".join(parts), planted


Case = tuple[Language, str, list[Planted]]
cases: st.SearchStrategy[Case] = langs.flatmap(
    lambda lang: texts_with_personal_data(lang).map(lambda planted: (lang, *planted))
)


def digits_of(value: str) -> str:
    return re.sub(r"\D", "", value)


def assert_not_in(planted: list[Planted], redacted: str) -> None:
    for entity, value in planted:
        assert value not in redacted, (entity, value, redacted)
        if entity in {"PHONE", "BANK_CARD", "ID_CARD"}:  # nor its digits without the spaces
            assert digits_of(value) not in digits_of(redacted), (entity, value, redacted)


@FUZZ
@given(case=cases)
@example(case=("zh", "卡号4111 1111 1111 1111 12/28", [("BANK_CARD", "4111 1111 1111 1111")]))
@example(case=("en", "Qty 2 4111-1111-1111-1111 thanks", [("BANK_CARD", "4111-1111-1111-1111")]))
@example(
    case=("zh", "邮箱abc@qq.com13812345678", [("EMAIL", "abc@qq.com"), ("PHONE", "13812345678")])
)
def test_planted_personal_data_never_comes_out(redactor: Redactor, case: Case) -> None:
    lang, text, planted = case
    assert_not_in(planted, redactor.redact(text, lang).text)


# --- idempotence ---------------------------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=120)
mixed = st.lists(st.sampled_from(WORDS) | personal.map(lambda p: p[1]) | any_text, max_size=8).map(
    " ".join
)
texts = st.tuples(langs, mixed) | cases.map(lambda case: case[:2])


@FUZZ
@given(case=texts)
@example(case=("zh", "4000000000000002 000 0000000"))
@example(case=("en", "call [PHONE:0212345678] or [EMAIL]"))
def test_redacting_redacted_text_changes_nothing(
    redactor: Redactor, case: tuple[Language, str]
) -> None:
    lang, text = case
    once = redactor.redact(text, lang).text
    assert redactor.redact(once, lang).text == once


# --- any text at all -----------------------------------------------------------------------------

awkward = st.lists(
    st.characters(min_codepoint=0, max_codepoint=0x1F)  # NUL and the other controls
    | st.characters(categories=["Cs"])  # lone surrogates
    | st.sampled_from(
        ["😀", "👩‍👩‍👧", "e\u0301", "\u200b", "\u202e", "\ufeff", "\u3000", "ﷺ", "𠀀"]
    )
    | st.characters(codec="utf-8"),
    max_size=80,
).map("".join)


@FUZZ
@given(text=awkward | st.builds("".join, st.lists(awkward | mixed, max_size=4)), lang=langs)
@example(text="\x00", lang="en")
@example(text="我\ud800叫张伟，电话13912345678", lang="zh")
def test_any_text_is_redacted_into_valid_text(
    redactor: Redactor, text: str, lang: Language
) -> None:
    result = redactor.redact(text, lang)
    result.text.encode("utf-8")  # no lone surrogate: the text can be stored and sent
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
    assert redactor.redact(result.text, lang).text == result.text


# --- streaming -----------------------------------------------------------------------------------


@st.composite
def cut_into_pieces(draw: st.DrawFn, text: str) -> list[str]:
    """Pieces of ``text`` as an LLM streams them: single characters, a few, or long runs."""
    size = draw(st.sampled_from([1, 2, 3, 7, 0]))
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=12)))
    bounds = [0, *(c for c in cuts if c < len(text)), len(text)]
    return [text[a:b] for a, b in pairwise(bounds) if b > a]


@FUZZ
@given(data=st.data(), case=cases)
@example(
    data=None, case=("zh", "好的，我叫张伟，电话13912345678，明天下午送到公司前台就可以了", [])
)
@example(data=None, case=("en", "我叫陈思远先生 4000-0000-0000-0002 ", [("PERSON", "陈思远")]))
def test_the_stream_lets_out_nothing_the_whole_text_keeps_in(
    redactor: Redactor, data: st.DataObject | None, case: Case
) -> None:
    """What the whole text redacts, the stream redacts too, however the text is cut: the
    planted data, and every finding of a pattern (an address, a number, an e-mail address).
    The names spaCy's model finds are not compared: the model reads a word by the words around
    it, and the stream cannot see those that have not come yet."""
    lang, text, planted = case
    pieces = data.draw(cut_into_pieces(text), label="pieces") if data else list(text)
    stream = StreamRedactor(redactor, lang)
    released = [stream.feed(piece) for piece in pieces]
    released.append(stream.flush())
    joined = "".join(released)
    whole = redactor.redact(text, lang)
    assert_not_in(planted, joined)
    for span in whole.spans:
        value = text[span.start : span.end]
        if span.entity != "PERSON" and value not in whole.text:
            assert value not in joined, (span, value, joined, whole.text)
