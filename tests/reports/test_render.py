"""Reports as a manager reads them: figures formatted in both languages, shoppers' text
escaped, charts inline, and a PDF whose Chinese renders (checked by drawing it with pdftoppm).

``python -m tests.reports.test_render DIR`` writes example reports (zh monthly, en quarterly)
with their first pages as PNG to DIR, for a look by eye.
"""

import io
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from app.analytics.model import DayCount, KnowledgeGap, Report, Summary, TicketFigures
from app.analytics.periods import parse_period
from app.reports import charts, formatting
from app.reports.html_page import svg
from app.reports.render import render_html, render_json, render_pdf
from app.reports.texts import TEXTS, label, name_of

GENERATED = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
SHOPPER_QUESTION = '<script>alert("gap")</script> do you ship to Mars & Venus?'
HOURLY = [3, 1, 0, 0, 0, 2, 8, 25, 60, 110, 150, 170, 140, 160, 180, 175, 150, 130, 120, 140]
HOURLY += [160, 120, 60, 20]
needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm (poppler-utils) is not installed: scripts/setup.sh installs it with apt-get",
)


def days_of(start: date, end: date, conversations: int) -> list[DayCount]:
    """Every day of [start, end), the conversations spread unevenly, adding up exactly."""
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    weights = [1 + (i * 7) % 5 for i in range(len(days))]
    counts = [conversations * w // sum(weights) for w in weights]
    counts[0] += conversations - sum(counts)
    return [DayCount(day, n, n * 3) for day, n in zip(days, counts, strict=True)]


def busy_summary(key: str = "2026-11") -> Summary:
    period = parse_period(key)
    return Summary(
        start=period.start,
        end=period.end,
        timezone="Asia/Shanghai",
        conversations=1234,
        messages=9876,
        turns=sum(HOURLY),
        by_day=days_of(period.start, period.end, 1234),
        by_hour=HOURLY,
        by_intent={
            "track_order": 820,
            "return_request": 410,
            "shipping_info": 330,
            "greeting": 300,
            "thanks": 210,
            "goodbye": 150,
            "payment_issue": 120,
            "refund_dispute": 95,
            "human_agent": 88,
            "complaint": 40,
            "brand_new_intent": 5,  # the 11th: not in the top 10
        },
        by_language={"zh": 1000, "en": 234},
        outcomes={
            "answered": 1500,
            "abstained": 120,
            "clarified": 60,
            "escalated": 90,
            "order": 800,
            "smalltalk": 600,
            "error": 3,
        },
        resolution_rate=0.8567,
        escalation_rate=0.0712,
        abstention_rate=0.074,
        csat_avg=4.3167,
        csat_count=128,
        csat_distribution={1: 5, 2: 7, 3: 12, 4: 30, 5: 74},
        avg_session_seconds=205.4,
        avg_first_token_ms=850.4,
        tickets=TicketFigures(
            created=90,
            resolved=80,
            open=10,
            by_category={"REFUND": 30, "ORDER": 40, "PAYMENT": 12, "mystery": 8},
            first_response_avg_seconds=1820,
            resolution_avg_seconds=5 * 3600 + 15 * 60,
            first_response_breaches=3,
            resolution_breaches=1,
        ),
        knowledge_gaps=[
            KnowledgeGap(SHOPPER_QUESTION, 14, "en"),
            KnowledgeGap("可以开增值税专用发票吗", 9, "zh"),
            KnowledgeGap("gift wrap", 4, "en"),
        ],
        by_category={"ORDER": 900, "DELIVERY": 500, "PRODUCT": 100},
    )


def previous_summary(key: str = "2026-10") -> Summary:
    period = parse_period(key)
    return replace(
        busy_summary(key),
        conversations=1000,
        by_day=days_of(period.start, period.end, 1000),
        resolution_rate=0.8317,
        abstention_rate=None,
        csat_avg=4.2,
        avg_session_seconds=180,
        tickets=TicketFigures(created=0),
    )


def empty_summary(key: str = "2026-11") -> Summary:
    period = parse_period(key)
    return Summary(
        start=period.start,
        end=period.end,
        timezone="Asia/Shanghai",
        conversations=0,
        messages=0,
        turns=0,
        by_day=days_of(period.start, period.end, 0),
        by_hour=[0] * 24,
        by_intent={},
        by_language={},
        outcomes={},
        resolution_rate=None,
        escalation_rate=None,
        abstention_rate=None,
        csat_avg=None,
        csat_count=0,
        csat_distribution={1: 0, 2: 0, 3: 0, 4: 0, 5: 0},
        avg_session_seconds=None,
        avg_first_token_ms=None,
        tickets=TicketFigures(),
        knowledge_gaps=[],
    )


def monthly(lang: str) -> Report:
    return Report(parse_period("2026-11"), busy_summary(), previous_summary(), GENERATED, lang)


def quarterly(lang: str) -> Report:
    accuracy = {
        "en": {"accuracy": 0.9312, "macro_f1": 0.9104, "n": 540},
        "zh": {"accuracy": 0.8875, "macro_f1": 0.8702, "n": 480},
    }
    period, summary, previous = (
        parse_period("2026-Q4"),
        busy_summary("2026-Q4"),
        previous_summary("2026-Q3"),
    )
    return Report(period, summary, previous, GENERATED, lang, intent_accuracy=accuracy)


def empty(lang: str) -> Report:
    return Report(parse_period("2026-11"), empty_summary(), None, GENERATED, lang)


def cells(html: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html)


# The key figures row by row: this period, the previous one, the change.
EXPECTED_ROWS = {
    "en": [
        ["Conversations", "1,234", "1,000", "+234 (+23.4%)"],
        ["Resolution rate", "85.7%", "83.2%", "+2.5 pp"],
        ["Abstention rate (no answer in the knowledge base)", "7.4%", "—", "—"],
        ["Customer satisfaction (CSAT, 1-5)", "4.32 (128 ratings)", "4.20 (128 ratings)", "+0.12"],
        ["Average conversation duration", "3 min 25 s", "3 min", "+25 s"],
        ["Average time to the first word of a reply", "850 ms", "850 ms", "0 ms"],
        ["Tickets created", "90", "0", "+90"],
        ["Average first response time (tickets)", "30 min 20 s", "—", "—"],
        ["Average resolution time (tickets)", "5 h 15 min", "—", "—"],
        ["SLA breaches: first response", "3", "0", "+3"],
    ],
    "zh": [
        ["咨询会话数", "1,234", "1,000", "+234 (+23.4%)"],
        ["解决率", "85.7%", "83.2%", "+2.5 个百分点"],
        ["未能回答率（知识库无答案）", "7.4%", "—", "—"],
        ["客户满意度（CSAT，1-5 分）", "4.32（128 条评价）", "4.20（128 条评价）", "+0.12"],
        ["平均会话时长", "3分25秒", "3分", "+25秒"],
        ["平均首字响应时间", "850 毫秒", "850 毫秒", "0 毫秒"],
        ["新建工单数", "90", "0", "+90"],
        ["工单平均首次响应时间", "30分20秒", "—", "—"],
        ["工单平均解决时长", "5小时15分", "—", "—"],
        ["超出服务时限：首次响应", "3", "0", "+3"],
    ],
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_shows_the_key_figures_with_the_previous_period(lang: str) -> None:
    html = render_html(monthly(lang))
    found = cells(html)

    for row in EXPECTED_ROWS[lang]:
        start = found.index(row[0])
        assert found[start : start + 4] == row
    assert label("column.previous", lang).format(key="2026-10") in found


@pytest.mark.parametrize(
    ("lang", "html_lang", "title"),
    [("en", "en", "Kefu · Monthly report 2026-11"), ("zh", "zh-CN", "Kefu · 2026年11月 月度报告")],
)
def test_html_page_is_in_the_report_language(lang: str, html_lang: str, title: str) -> None:
    html = render_html(monthly(lang))

    assert f'<html lang="{html_lang}">' in html
    assert f"<title>{title}</title>" in html and f"<h1>{title}</h1>" in html
    assert label("meta.generated", lang).format(at="2026-12-01 08:05 (Asia/Shanghai)") in html
    assert name_of("intent", "track_order", lang) in html
    assert name_of("category", "REFUND", lang) in html
    assert name_of("category", "mystery", lang) == "mystery"  # unknown ids show as they are


def test_html_escapes_the_shoppers_text() -> None:
    html = render_html(monthly("en"))

    assert "<script" not in html
    assert (
        "&lt;script&gt;alert(&quot;gap&quot;)&lt;/script&gt; do you ship to Mars &amp; Venus?"
        in html
    )
    assert "script-src" not in html and "default-src 'none'" in html


def test_html_is_self_contained_with_inline_svg_charts() -> None:
    html = render_html(monthly("zh"))

    assert html.count("<svg") == 5 and html.count("</svg>") == 5
    assert "<?xml" not in html and "DOCTYPE svg" not in html
    assert 'id="clip"' not in html and 'id="group"' not in html  # no clashing ids
    assert "<title>每日咨询会话数</title>" in html
    assert not re.search(r"<(link|script|img|iframe)\b|@import|src=", html)
    urls = set(re.findall(r"https?://[^\"' )]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_empty_period_renders_with_dashes_and_no_data_notes(lang: str) -> None:
    html = render_html(empty(lang))
    found = cells(html)

    resolution = found.index(label("metric.resolution_rate", lang))
    assert found[resolution + 1] == "—"
    assert html.count(label("chart.no_data", lang)) == 5
    assert label("section.knowledge_gaps.empty", lang) in html
    assert label("section.ticket_categories.empty", lang) in html
    assert label("meta.no_previous", lang) in html
    assert render_pdf(empty(lang)).startswith(b"%PDF")


def test_quarterly_report_states_the_intent_accuracy_against_the_requirement() -> None:
    html = render_html(quarterly("en"))
    found = cells(html)

    assert "Kefu · Quarterly report 2026-Q4" in html
    assert "Intent recognition accuracy" in html
    english = found.index("English", found.index("Meets 90%"))
    assert found[english : english + 5] == ["English", "93.1%", "0.910", "540", "Yes"]
    assert found[english + 5 : english + 10] == ["Chinese", "88.8%", "0.870", "480", "No"]
    assert "The requirement is not met for: Chinese." in html
    assert "2026年第4季度 季度报告" in render_html(quarterly("zh"))
    assert "Intent recognition accuracy" not in render_html(monthly("en"))


def test_json_is_the_reports_own() -> None:
    report = monthly("zh")
    assert render_json(report) == report.as_json()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_holds_the_title_and_key_figures(lang: str) -> None:
    pdf = render_pdf(monthly(lang))
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF-")
    assert ("2026年11月 月度报告" if lang == "zh" else "Monthly report 2026-11") in text
    for row in EXPECTED_ROWS[lang]:
        assert row[0][:8] in text  # a long label may wrap in its cell
        for figure in row[1:]:
            assert figure in text
    assert "<script>" in text  # shown as typed, not taken for markup
    assert "可以开增值税专用发票吗" in text


def test_pdf_embeds_its_font() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(monthly("zh"))))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    truetype = [font for font in fonts if font["/Subtype"] == "/TrueType"]

    assert truetype
    for font in truetype:
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
        assert "/ToUnicode" in font  # so the text can be searched and copied


def rasterise(pdf: bytes, directory: Path, name: str = "page") -> Path:
    source = directory / f"{name}.pdf"
    source.write_bytes(pdf)
    command = ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(source), str(directory / name)], check=True, timeout=60)
    return directory / f"{name}.png"


@needs_pdftoppm
@pytest.mark.parametrize("report", [monthly("zh"), quarterly("en"), empty("zh")])
def test_pdf_first_page_renders_with_ink(report: Report, tmp_path: Path) -> None:
    png = rasterise(render_pdf(report), tmp_path)
    with Image.open(png) as image:
        grey = image.convert("L")
        inked = sum(grey.histogram()[:160]) / (grey.width * grey.height)
        assert grey.width > 300 and grey.height > 400  # A4 at 50 dpi: 413 x 585
        assert ImageStat.Stat(grey).stddev[0] > 10  # a blank page: 0
        assert inked > 0.005


@needs_pdftoppm
def test_chinese_title_is_drawn_not_left_blank(tmp_path: Path) -> None:
    """The title band of page 1 holds as much ink in Chinese as in English: the glyphs are
    there, not blanks (an unembedded CID font would leave them out here)."""
    inks = []
    for lang in ("en", "zh"):
        with Image.open(rasterise(render_pdf(monthly(lang)), tmp_path, lang)) as image:
            band = image.convert("L").crop((30, 25, 400, 60))
            inks.append(sum(band.histogram()[:160]))
    english, chinese = inks
    assert chinese > 0.5 * english > 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_cope_with_no_data(lang: str) -> None:
    drawn = charts.report_charts(empty_summary(), "month", lang)

    assert [chart.key for chart in drawn] == ["by_day", "by_hour", "by_intent", "csat", "outcomes"]
    for chart in drawn:
        assert chart.title and chart.drawing.width == charts.WIDTH


def test_intent_chart_shows_the_top_ten_by_name() -> None:
    chart = charts.turns_by_intent(busy_summary(), "zh")
    drawn = svg(chart)

    assert chart.title == "各意图对话轮次（前 10 位）"
    assert "查询订单物流" in drawn and ">820<" in drawn
    assert "brand_new_intent" not in drawn


def test_long_names_are_cut_to_fit_beside_the_bars() -> None:
    name = charts.fit("an_intent_id_" * 20, 120)
    assert name.endswith("…") and charts.text_width(name) <= 120
    assert charts.fit("Track order", 120) == "Track order"


def test_control_characters_do_not_reach_the_page() -> None:
    gap = KnowledgeGap("where\x00 is\x0b my order\x1b[31m", 2, "en")
    report = replace(monthly("en"), summary=replace(busy_summary(), knowledge_gaps=[gap]))

    html = render_html(report)
    assert "where is my order[31m" in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", html)
    assert "where is my order" in pdf_text(render_pdf(report))


@pytest.mark.parametrize(
    ("maximum", "scale"), [(0, (5, 1)), (1, (2, 1)), (87, (100, 20)), (1820, (2500, 500))]
)
def test_value_axes_have_round_steps_and_room_above(maximum: int, scale: tuple[int, int]) -> None:
    assert charts.nice_scale(maximum) == scale


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (None, "—", "—"),
        (0, "0 s", "0秒"),
        (42.4, "42 s", "42秒"),
        (3600, "1 h", "1小时"),
        (90061, "1 d 1 h", "1天1小时"),
        (-65, "-1 min 5 s", "-1分5秒"),
    ],
)
def test_durations_read_naturally(seconds: float | None, en: str, zh: str) -> None:
    assert formatting.duration(seconds, "en") == en
    assert formatting.duration(seconds, "zh") == zh


def test_every_text_is_in_both_languages() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "zh"}, key
        assert all(texts.values()) or key == "unit.join", key  # Chinese joins units with ""
    assert label("report.month", "zh-CN") == TEXTS["report.month"]["zh"]
    with pytest.raises(KeyError):
        label("no.such.text", "en")


def write_examples(directory: Path) -> list[Path]:
    """The example reports and their pages as PNG (needs pdftoppm)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, report in (("monthly-zh", monthly("zh")), ("quarterly-en", quarterly("en"))):
        (directory / f"{name}.html").write_text(render_html(report), encoding="utf-8")
        pdf = directory / f"{name}.pdf"
        pdf.write_bytes(render_pdf(report))
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", str(pdf), str(directory / name)], check=True
        )
        written += [pdf, *sorted(directory.glob(f"{name}-*.png"))]
    return written


if __name__ == "__main__":
    for path in write_examples(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/report_examples")):
        print(path)


@pytest.mark.parametrize(
    ("lang", "row"), [("en", ["Products", "100", "6.7%"]), ("zh", ["商品咨询", "100", "6.7%"])]
)
def test_questions_are_shown_by_topic(lang: str, row: list[str]) -> None:
    html = render_html(monthly(lang))
    assert label("section.intent_categories", lang) in html
    found = cells(html)
    start = found.index(row[0])
    assert found[start : start + 3] == row
