"""PDF, Word and FAQ CSV files; image captions and link URLs from HTML and Markdown."""

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.shared import OxmlElement, qn

from ingest.chunking import chunk_document
from ingest.errors import (
    EmptyDocument,
    EncryptedDocument,
    NoTextLayer,
    UnreadableDocument,
)
from ingest.parsers import parse_document
from ingest.pipeline import expand_paths
from models.llm import estimate_tokens
from tests.ingest.samples import locked_pdf, returns_pdf, rezip, scanned_pdf, shipping_docx


def test_pdf_pages_give_title_headings_and_unwrapped_text_in_both_languages() -> None:
    parsed = parse_document("returns.pdf", returns_pdf())
    assert parsed.title == "Returns handbook"
    assert [s.heading for s in parsed.sections] == ["Return window", "退货政策"]
    english, chinese = (s.text for s in parsed.sections)
    assert "within thirty days of delivery, as long as they are unused and in their" in english
    assert "已拆封的小家电十五天内可退。" in chinese  # a wrapped Chinese line joins without a space
    assert "\n1\n" not in f"\n{parsed.text}\n" and not parsed.text.endswith("2")  # page numbers
    chunks = chunk_document(parsed, estimate_tokens, size=220, overlap=30)
    assert [c.lang for c in chunks] == ["en", "zh"]


def test_a_scanned_pdf_is_refused_for_having_no_text_layer() -> None:
    with pytest.raises(NoTextLayer, match="no text layer") as refused:
        parse_document("scan.pdf", scanned_pdf())
    assert isinstance(refused.value, EmptyDocument)


def test_a_password_protected_pdf_is_refused() -> None:
    with pytest.raises(EncryptedDocument, match="password-protected"):
        parse_document("locked.pdf", locked_pdf())


def test_a_pdf_with_only_an_owner_password_opens() -> None:
    assert parse_document("restricted.pdf", locked_pdf(owner_only=True)).title == "Returns handbook"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text", "not a PDF"),
        (returns_pdf()[:1500], "damaged"),
        (b"%PDF-1.7\n" + bytes(300), "damaged"),
    ],
)
def test_a_damaged_pdf_is_unreadable_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDocument, match=reason):
        parse_document("broken.pdf", data)


def test_word_headings_tables_and_hyperlinks() -> None:
    parsed = parse_document("shipping.docx", shipping_docx())
    assert parsed.title == "Shipping guide"
    assert [s.heading for s in parsed.sections] == ["", "Delivery times", "运费"]
    intro, delivery, fees = parsed.sections
    assert intro.text == "We ship to every province of mainland China."
    assert delivery.text == (
        "Track your parcel on the tracking page. Express parcels arrive the next day."
    )
    assert delivery.links == ("https://shop.example/track",)
    assert fees.text == "地区 | 运费\n北京 | ¥10\n新疆 | ¥25\n满99元包邮。"
    assert fees.links == ()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, content in files.items():
            package.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not a zip at all", "not a Word .docx file"),
        (shipping_docx()[:800], "not a Word .docx file, or it is damaged"),
        (_zip({"hello.txt": b"hi"}), "not a Word document"),
        (_zip({"[Content_Types].xml": b"<broken", "word/document.xml": b"<w:document"}), "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old Word .doc"),
    ],
)
def test_a_damaged_word_file_is_unreadable_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDocument, match=reason):
        parse_document("broken.docx", data)


def test_a_word_hyperlink_to_a_missing_relationship_keeps_its_text() -> None:
    """Found by fuzzing: python-docx raised KeyError('rId99') for the link's URL (a 500)."""
    document = docx.Document()
    paragraph = document.add_paragraph("Track your parcel on ")
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), "rId99")  # no such relationship in the package
    run = OxmlElement("w:r")
    run_text = OxmlElement("w:t")
    run_text.text = "the tracking page"
    run.append(run_text)
    link.append(run)
    paragraph._p.append(link)
    parsed = parse_document("links.docx", _saved(document))
    assert parsed.sections[0].text == "Track your parcel on the tracking page"
    assert parsed.sections[0].links == ()


def test_a_word_table_with_a_vertical_merge_from_no_row_above_is_read() -> None:
    """Found by fuzzing: a merge continued in the first row made python-docx raise ValueError
    ('no tr above topmost tr'); Word opens such tables, and their cells are read as written."""
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for row, (region, fee) in enumerate([("地区", "运费"), ("北京", "¥10")]):
        table.cell(row, 0).text = region
        table.cell(row, 1).text = fee
    table.rows[0].cells[0]._tc.get_or_add_tcPr().append(OxmlElement("w:vMerge"))
    parsed = parse_document("fees.docx", _saved(document))
    assert parsed.text == "地区 | 运费\n北京 | ¥10"


def test_a_word_file_whose_styles_part_is_not_declared_is_unreadable() -> None:
    """Found by fuzzing: without the content type of styles.xml, reading a paragraph's style
    raised AttributeError (a 500) after the package had opened."""

    def drop_styles(content_types: bytes) -> bytes:
        return re.sub(rb'<Override PartName="/word/styles.xml"[^>]*/>', b"", content_types)

    data = rezip(shipping_docx(), {"[Content_Types].xml": drop_styles})
    with pytest.raises(UnreadableDocument, match="damaged"):
        parse_document("shipping.docx", data)


def _saved(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


FAQ_EN = (
    "question,answer,owner\n"
    "How long do refunds take?,Refunds reach your account within 5 business days.,finance\n"
    '"Can I change my address?","Yes, before the parcel ships.\nAfter that, ask the courier: '
    'https://courier.example/help.",support\n'
    ",,\n"
)
FAQ_ZH = "问题,答案\n发票怎么开？,下单时填写抬头和税号即可。\n多久发货？,付款后48小时内发货。\n"


@pytest.mark.parametrize(
    ("data", "pairs"),
    [(b"\xef\xbb\xbf" + FAQ_EN.encode(), 2), (FAQ_EN.encode(), 2), (FAQ_ZH.encode(), 2)],
)
def test_each_faq_pair_is_one_chunk_even_over_the_budget(data: bytes, pairs: int) -> None:
    parsed = parse_document("faq.csv", data)
    assert len(parsed.sections) == pairs and all(s.atomic for s in parsed.sections)
    chunks = chunk_document(parsed, estimate_tokens, size=20, overlap=4)
    assert len(chunks) == pairs
    for section, chunk in zip(parsed.sections, chunks, strict=True):
        assert chunk.heading == section.heading
        assert chunk.text.startswith(f"Q: {section.heading}\nA: ")
    if parsed.sections[0].heading.startswith("How"):
        assert estimate_tokens(chunks[1].text) > 20  # longer than the budget, still whole
        assert "After that, ask the courier" in chunks[1].text
        assert chunks[1].links == ("https://courier.example/help",)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("sku,price\nA1,10\n", "needs a header row with the columns question,answer"),
        ("", "question,answer"),
        ("question,answer\nWhere is my order?,\n", "row 2 has a question but no answer"),
    ],
)
def test_a_csv_that_is_not_an_faq_is_refused(content: str, reason: str) -> None:
    with pytest.raises(UnreadableDocument, match=reason):
        parse_document("prices.csv", content.encode())


HTML = """<html><head><title>Packaging</title></head><body>
<h2>Gift boxes</h2>
<p>Every order can come in a <a href="https://shop.example/gift">gift box</a>.
<img src="/img/ribbon.png" alt="A red ribbon"></p>
<figure><img src="https://cdn.example/box.jpg" alt=""><figcaption>The 2026 gift box</figcaption>
</figure>
<img src="https://cdn.example/logo.png">
<h2>Recycling</h2><p>Boxes are recyclable, see <a href="https://shop.example/green">our pledge</a>
or <a href="javascript:void(0)">this</a>.</p>
</body></html>"""


def test_html_keeps_alt_text_and_captions_in_text_and_urls_as_metadata() -> None:
    parsed = parse_document("packaging.html", HTML.encode())
    gift, recycling = parsed.sections
    assert gift.heading == "Gift boxes"
    assert "A red ribbon" in gift.text and "The 2026 gift box" in gift.text
    assert "box.jpg" not in gift.text
    assert gift.links == ("https://shop.example/gift",)
    assert gift.images == (
        "/img/ribbon.png",
        "https://cdn.example/box.jpg",
        "https://cdn.example/logo.png",
    )
    assert recycling.links == ("https://shop.example/green",)
    assert recycling.images == ()


def test_markdown_image_alt_text_stays_and_urls_go_to_metadata() -> None:
    text = (
        '# Lamps\n\n## Assembly\n\n![Exploded view of the lamp](img/lamp.png "Figure 1")\n\n'
        "Watch [the video](https://video.example/lamp) or <https://shop.example/manual>. "
        "Same video: [again](https://video.example/lamp).\n"
    )
    section = parse_document("lamps.md", text.encode()).sections[0]
    assert "Exploded view of the lamp" in section.text and "img/lamp.png" not in section.text
    assert "the video (https://video.example/lamp)" in section.text
    assert section.images == ("img/lamp.png",)
    assert section.links == ("https://video.example/lamp", "https://shop.example/manual")


def test_each_chunk_carries_the_links_of_its_own_part_of_a_section() -> None:
    first = " ".join(f"Rule {i} about returns applies to every order." for i in range(12))
    second = " ".join(f"Rule {i} about warranty covers every lamp." for i in range(12))
    text = (
        f"# Policies\n\n{first} Read [the returns form](https://shop.example/returns).\n"
        f"![Warranty card](img/card.png) {second} See https://shop.example/warranty.\n"
    )
    chunks = chunk_document(
        parse_document("policies.md", text.encode()), estimate_tokens, size=60, overlap=0
    )
    assert len(chunks) > 2
    returns = [c for c in chunks if "returns form" in c.text]
    warranty = [c for c in chunks if "shop.example/warranty" in c.text]
    assert returns[0].links == ("https://shop.example/returns",)
    assert warranty[0].links == ("https://shop.example/warranty",)
    assert [c.images for c in chunks if "Warranty card" in c.text] == [("img/card.png",)]
    assert all(c.images == () for c in chunks if "Warranty card" not in c.text)


def test_folders_give_pdf_word_and_csv_files_but_not_readmes(tmp_path: Path) -> None:
    for name in ("a.pdf", "b.docx", "c.csv", "d.md", "README.md", "e.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.pdf", "b.docx", "c.csv", "d.md"]
