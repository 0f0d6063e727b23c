"""The shopper's widget in headless Chromium: embedded by one script tag on a shop's own
site, streaming answers with linked sources, both languages, a phone screen, the keyboard and
the rating."""

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect

from tests.web.conftest import Kefu, only_loopback, requests_of
from tests.web.widget_page import WidgetPage

pytestmark = pytest.mark.llm


def test_a_shopper_sees_a_streamed_answer_with_linked_sources(
    browser: Browser, shop: str, kefu_server: Kefu, screenshots: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    requested = requests_of(page)
    widget = WidgetPage(page)
    page.goto(f"{shop}/en")
    expect(widget.launcher).to_have_text("Chat with us")
    widget.open()
    widget.watch_answer()
    answer = widget.ask("How many days do I have to return an item?")

    texts = [text for text, _ in widget.watched_texts()]
    final = texts[-1]
    assert "30" in final and final == answer.locator(".bubble").text_content()
    # Shown as it streams: before the whole answer, the bubble showed beginnings of it.
    assert [t for t in texts[:-1] if final.startswith(t)], texts
    links = answer.locator(".sources a")
    expect(links.first).to_be_visible()
    assert links.count() >= 1
    href = links.first.get_attribute("href") or ""
    assert href.startswith(f"{kefu_server.base}/sources/")
    assert "return" in (links.first.inner_text().lower() + href.lower())
    expect(answer.locator("a.cite").first).to_have_text("[1]")
    widget.shot(screenshots, "widget-answer-en")
    assert any(url.startswith(f"{kefu_server.base}/widget.js") for url in requested)
    assert only_loopback(requested) == []  # nothing from a CDN

    with page.context.expect_page() as opened:
        links.first.click()
    source = opened.value
    source.wait_for_load_state()
    expect(source.locator("article")).to_contain_text("30")
    source.screenshot(path=str(screenshots / "source-passage-en.png"))
    source.close()

    # The conversation survives a move to another page of the shop, which keeps its focus.
    page.goto(f"{shop}/en")
    expect(widget.panel).to_be_visible()
    assert page.evaluate("() => document.activeElement === document.body")
    expect(page.locator("#kefu-widget li.msg.shopper .bubble")).to_have_text(
        "How many days do I have to return an item?"
    )
    expect(page.locator("#kefu-widget li.msg.assistant .sources a").first).to_be_visible()
    page.close()


def test_the_page_language_and_the_shoppers_choice(
    browser: Browser, shop: str, screenshots: Path
) -> None:
    widget = WidgetPage.visit(browser, f"{shop}/zh")
    page = widget.page
    expect(widget.launcher).to_have_text("在线客服")
    widget.open()
    expect(widget.input).to_have_attribute("placeholder", "请输入您的问题…")
    answer = widget.ask("订单满多少钱可以包邮？")
    expect(answer.locator(".bubble")).to_contain_text("199")
    expect(answer.locator(".sources h3")).to_have_text("参考来源")
    widget.shot(screenshots, "widget-answer-zh")

    page.locator("#kefu-widget header button.lang").click()
    expect(widget.send_button).to_have_text("Send")
    expect(page.locator("#kefu-widget h2")).to_have_text("Customer service")
    # An English question is answered in English whatever the page says.
    english = widget.ask("Do you ship for free?")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.locator(".bubble").inner_text())
    # The choice is remembered on the next page; the shop's page can set it as a locale.
    page.reload()
    expect(widget.launcher).to_have_text("Chat with us")
    page.evaluate("() => window.Kefu.setLanguage('zh-CN')")
    expect(widget.launcher).to_have_text("在线客服")
    expect(page.locator("#kefu-widget li.msg.shopper .who").first).to_have_text("您")
    page.close()


def test_on_a_phone_the_chat_fills_the_screen(
    browser: Browser, shop: str, screenshots: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    widget = WidgetPage(page)
    page.goto(f"{shop}/zh")
    widget.launcher.tap()
    expect(widget.panel).to_be_visible()
    box = widget.panel.bounding_box()
    assert box is not None and box["width"] == 390 and box["height"] == 844
    answer = widget.ask("退货期限是多久？")
    expect(answer.locator(".bubble")).to_contain_text("天")
    widget.shot(screenshots, "widget-phone-zh")
    close = page.locator("#kefu-widget header button.close")
    close_box = close.bounding_box()
    assert close_box is not None and close_box["height"] >= 40  # a finger-sized target
    close.tap()
    expect(widget.panel).to_be_hidden()
    context.close()


def test_keyboard_and_screen_reader(browser: Browser, shop: str) -> None:
    page = browser.new_page()
    widget = WidgetPage(page)
    page.goto(f"{shop}/en")
    widget.launcher.wait_for()
    page.keyboard.press("Tab")  # the launcher is the page's only focusable element
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    expect(widget.input).to_be_focused()
    expect(widget.panel).to_have_attribute("role", "dialog")
    expect(page.get_by_role("dialog", name="Customer service")).to_be_visible()
    expect(page.get_by_label("Your question")).to_be_visible()
    page.keyboard.type("Which payment methods do you accept?")
    page.keyboard.press("Enter")
    # A screen reader hears the whole answer once, not each streamed piece: the conversation
    # is no live region, the announcer gets the finished answer.
    log = page.locator("#kefu-widget .log")
    assert log.get_attribute("aria-live") is None and log.get_attribute("role") is None
    announcer = page.locator("#kefu-widget [aria-live=polite]")
    expect(announcer).to_contain_text("Assistant replied:", timeout=120_000)
    expect(announcer).to_contain_text("Alipay")
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    page.close()


def test_the_shopper_rates_the_conversation_with_stars(
    browser: Browser, shop: str, kefu_server: Kefu, screenshots: Path
) -> None:
    widget = WidgetPage.visit(browser, f"{shop}/en")
    page = widget.page
    widget.open()
    widget.ask("How long does standard shipping take?")
    widget.ask("Thanks, that's all!")
    stars = page.locator("#kefu-widget form.rating")
    expect(stars).to_be_visible()
    expect(stars.locator("legend")).to_contain_text("rate")
    stars.locator("label", has_text="4 stars").click()  # the fourth star
    expect(page.get_by_label("4 stars")).to_be_checked()
    page.mouse.move(5, 5)  # away from the stars: what stays lit is the choice, not the hover
    expect(stars.locator("label.on")).to_have_count(4)
    page.keyboard.press("ArrowLeft")  # the radios move with the arrow keys
    expect(page.get_by_label("3 stars")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("4 stars")).to_be_checked()
    stars.get_by_role("textbox").fill("Quick and clear")
    widget.shot(screenshots, "widget-rating")
    stars.get_by_role("button", name="Send rating").click()
    expect(page.locator("#kefu-widget .thanks")).to_contain_text("Thank you")

    session_id = page.evaluate("() => sessionStorage.getItem('kefu.session')")
    summary = httpx.get(
        f"{kefu_server.base}/v1/analytics/summary",
        headers={"Authorization": f"Bearer {kefu_server.key('staff', 'rating-check')}"},
    ).json()
    assert session_id and summary["csat_distribution"].get("4", 0) >= 1
    page.close()


BUSY = "当前咨询的顾客较多，请 1 秒后再试。"


def test_a_busy_server_is_asked_again_when_it_says(browser: Browser, shop: str) -> None:
    """Kefu answers 429 server_busy with Retry-After when its line of turns is full (the
    live-server tests make it do so); the widget says so in the bubble and asks again."""
    widget = WidgetPage.visit(browser, f"{shop}/zh")
    page = widget.page
    refusals: list[str] = []

    def busy_once(route: Route) -> None:
        if refusals:
            route.continue_()
            return
        refusals.append(route.request.url)
        route.fulfill(
            status=429,
            headers={"Retry-After": "1", "Access-Control-Allow-Origin": "*"},
            content_type="application/json",
            body=json.dumps({"error": {"code": "server_busy", "message": BUSY}}),
        )

    page.route("**/v1/chat/stream", busy_once)
    widget.open()
    widget.watch_answer()
    answer = widget.ask("订单满多少钱可以包邮？")
    expect(answer.locator(".bubble")).to_contain_text("199")
    texts = [text for text, _ in widget.watched_texts()]
    assert len(refusals) == 1 and BUSY in texts, texts
    page.close()
