"""Parsers and the Chinese-aware chunker."""

import pytest

from ingest.chunking import chunk_document, split_sentences
from ingest.document import ParsedDocument, Section
from ingest.errors import UnreadableDocument, UnsupportedFileType
from ingest.parsers import parse_document
from models.llm import estimate_tokens

MARKDOWN = """# Returns policy

Intro line.

## Return window

You can return most items within **30 days** of delivery. See [the form](https://shop.example/form).

## Refunds

Refunds take 5 business days.
"""


def test_markdown_sections_keep_headings_and_link_targets() -> None:
    parsed = parse_document("returns.md", MARKDOWN.encode())
    assert parsed.title == "Returns policy"
    assert [s.heading for s in parsed.sections] == ["", "Return window", "Refunds"]
    assert "30 days" in parsed.sections[1].text and "**" not in parsed.sections[1].text
    assert "the form (https://shop.example/form)" in parsed.sections[1].text


def test_html_keeps_text_headings_and_image_alt_text() -> None:
    html = """<html><head><title>Shipping</title><style>p{}</style></head><body>
    <h1>Shipping</h1><h2>Express</h2><p>Next day for <b>¥15</b>.</p>
    <img src="van.png" alt="Our delivery van"><script>alert(1)</script>
    <ul><li>Beijing</li><li>Shanghai</li></ul></body></html>"""
    parsed = parse_document("shipping.html", html.encode())
    assert parsed.title == "Shipping"
    assert parsed.sections[0].heading == "Express"
    text = parsed.text
    assert "Next day for ¥15." in text and "Beijing" in text and "Our delivery van" in text
    assert "alert" not in text and "p{}" not in text


def test_text_file_title_is_its_first_line() -> None:
    parsed = parse_document("faq.txt", "会员积分说明\n\n积分有效期24个月。".encode())
    assert parsed.title == "会员积分说明"
    assert parsed.sections[-1].text == "积分有效期24个月。"


def test_non_utf8_upload_is_refused_with_a_reason() -> None:
    with pytest.raises(UnreadableDocument, match="not UTF-8"):
        parse_document("gbk.txt", "退货政策".encode("gbk"))


def test_unsupported_type_names_the_supported_ones() -> None:
    with pytest.raises(UnsupportedFileType, match=r"\.exe.*\.md"):
        parse_document("tool.exe", b"MZ")


def test_chinese_sentences_split_at_full_width_marks() -> None:
    assert split_sentences("退货期限30天。已拆封小家电15天！请问还有问题吗？好的") == [
        "退货期限30天。",
        "已拆封小家电15天！",
        "请问还有问题吗？",
        "好的",
    ]


def test_chunks_respect_the_token_budget_in_both_languages() -> None:
    chinese = (
        "。".join(f"第{i}条规定：商品签收后三十天内可以申请退货退款" for i in range(60)) + "。"
    )
    english = " ".join(
        f"Rule {i}: items can be returned within thirty days of delivery." for i in range(60)
    )
    for text in (chinese, english):
        parsed = parse_document("rules.txt", f"Rules\n\n{text}".encode())
        chunks = chunk_document(parsed, estimate_tokens, size=120, overlap=20)
        assert len(chunks) > 3
        assert all(estimate_tokens(c.text) <= 120 for c in chunks)
        assert all(c.text.endswith(("。", ".")) for c in chunks[:-1])  # cut at sentence ends
    assert (
        chunk_document(
            parse_document("r.txt", f"R\n\n{chinese}".encode()),
            estimate_tokens,
            size=120,
            overlap=20,
        )[0].lang
        == "zh"
    )


def test_an_over_long_sentence_of_chinese_then_latin_is_cut_within_the_budget() -> None:
    """Found by fuzzing: the sentence was cut at even lengths, so its first piece (Chinese, a
    token a character) had 399 tokens for a budget of 219."""
    text = "这款台灯的说明" * 50 + " " + " ".join(["model-A1"] * 150)
    parsed = ParsedDocument("T", [Section("", text)])
    chunks = chunk_document(parsed, estimate_tokens, size=220, overlap=30)
    assert all(estimate_tokens(c.text) <= 219 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    assert all(c.text.endswith("model-A1") for c in chunks[2:])  # cut at a space, not a word


def test_the_overlap_carried_into_a_window_leaves_room_for_its_next_sentence() -> None:
    """Found by fuzzing: a 20-token sentence carried as overlap before a 210-token one made a
    230-token chunk."""
    first = "Returns are free for members within thirty days of delivery, see the form."
    second = "会员" * 104 + "。"
    parsed = ParsedDocument("T", [Section("", f"{first} {second}")])
    chunks = chunk_document(parsed, estimate_tokens, size=220, overlap=30)
    assert [c.text for c in chunks] == [first, second]


def test_a_heading_longer_than_the_budget_does_not_cut_its_section_into_characters() -> None:
    """Found by fuzzing: a 301-token heading left a negative budget, and each character of
    the section became a chunk of its own (640 chunks)."""
    heading = "关于退换货的详细说明" * 30
    markdown = f"## {heading}\n\n" + "商品签收后三十天内可以申请退货。" * 40
    parsed = parse_document("long.md", markdown.encode())
    chunks = chunk_document(parsed, estimate_tokens, size=220, overlap=30)
    assert len(chunks) == 8
    assert all(c.text.endswith("。") and estimate_tokens(c.text) <= 110 for c in chunks)
