"""The staff console in headless Chromium, beside the shopper's widget: an agent answers a
handed-over chat, staff add a document the bot then answers from, managers read the
dashboard and admins the audit log. Each role sees only its own part."""

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ADMIN_KEY
from tests.web.conftest import Kefu, only_loopback, requests_of
from tests.web.widget_page import WidgetPage

pytestmark = pytest.mark.llm

ENGRAVING = """# Lamp engraving

We engrave up to 12 characters on the base of any Aurora lamp for ¥25. Engraved lamps are
made to order: they leave the warehouse 3 working days after payment and cannot be returned
unless they are faulty.
"""


def sign_in(page: Page, kefu_server: Kefu, key: str) -> None:
    page.goto(f"{kefu_server.base}/console?lang=en")
    page.locator("#api-key").fill(key)
    page.locator("#signin-send").click()
    expect(page.locator("nav [data-view=tickets]")).to_be_visible()


def views(page: Page) -> set[str]:
    return {str(link.get_attribute("data-view")) for link in page.locator("nav [data-view]").all()}


def test_an_agent_replies_in_the_console_and_the_shopper_sees_it_in_the_widget(
    browser: Browser, shop: str, kefu_server: Kefu, screenshots: Path
) -> None:
    widget = WidgetPage.visit(browser, f"{shop}/customer")
    shopper = widget.page
    widget.open()
    widget.ask("My parcel arrived damaged and I want to talk to a real person please")
    expect(widget.ticket_bar).to_be_visible()
    expect(widget.ticket_bar).to_contain_text("Ticket #")
    found = re.search(r"#(\d+)", widget.ticket_bar.inner_text())
    assert found
    ticket_id = found[1]

    agent = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(agent, kefu_server, kefu_server.key("agent", "Mei"))
    assert views(agent) == {"tickets"}  # agents see the queue only
    row = agent.locator(f"tr[data-ticket-id='{ticket_id}']")
    expect(row).to_be_visible()
    expect(row.locator("[data-clock=first]")).to_contain_text("left")
    expect(row.locator("[data-clock=first]")).to_have_attribute("data-sla", "ok")
    agent.screenshot(path=str(screenshots / "console-queue.png"))

    row.locator("a").first.click()
    detail = agent.locator("#ticket-detail")
    expect(detail.locator(".transcript li[data-role=shopper]").first).to_contain_text("damaged")
    agent.locator("#reply-body").fill(
        "Hello, this is Mei. I'm sorry about the damage: a replacement is on its way today."
    )
    expect(agent.locator("#reply-public")).to_be_checked()
    agent.locator("#reply-send").click()
    expect(detail).to_contain_text("a replacement is on its way")
    agent.screenshot(path=str(screenshots / "console-ticket.png"), full_page=True)

    # The widget shows the reply without the shopper doing anything.
    reply = shopper.locator("#kefu-widget li.msg.agent")
    expect(reply).to_contain_text("a replacement is on its way", timeout=20_000)
    expect(reply.locator(".who")).to_have_text("Support agent")
    announcer = shopper.locator("#kefu-widget [aria-live=polite]")
    expect(announcer).to_contain_text("a replacement is on its way")  # for screen readers
    widget.shot(screenshots, "widget-agent-reply")

    # The agent waits for the shopper: the widget shows the ticket's new status.
    detail.locator("#status-actions button[data-status=pending]").click()
    expect(widget.ticket_bar).to_contain_text("waiting for you", timeout=20_000)
    # The next turn's stream brings the same reply again, and so does a new page: shown once.
    widget.ask("Thank you, when will it arrive?")
    expect(reply).to_have_count(1)
    shopper.reload()
    expect(shopper.locator("#kefu-widget li.msg.agent")).to_have_count(1)
    shopper.close()
    agent.close()


def test_staff_upload_a_document_and_the_bot_answers_from_it(
    browser: Browser, shop: str, kefu_server: Kefu, screenshots: Path, tmp_path: Path
) -> None:
    staff = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(staff, kefu_server, kefu_server.key("staff", "Lin"))
    assert views(staff) == {"tickets", "documents", "analytics"}
    staff.locator("nav [data-view=documents]").click()
    rows = staff.locator("tr[data-document-id]")
    expect(rows.first).to_be_visible()
    known = rows.count()

    guide = tmp_path / "engraving.md"
    guide.write_text(ENGRAVING, encoding="utf-8")
    broken = tmp_path / "price-list.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a PDF")
    staff.locator("#upload-file").set_input_files([str(guide), str(broken)])
    staff.locator("#upload-send").click()
    status = staff.locator("#upload-status")
    expect(status.locator("li[data-filename='engraving.md']")).to_contain_text("created")
    expect(status.locator("li[data-filename='price-list.pdf']")).to_contain_text("PDF")
    row = staff.locator("tr[data-document-id]", has_text="engraving.md")
    expect(row).to_be_visible()
    expect(rows).to_have_count(known + 1)  # the broken file is not in
    staff.screenshot(path=str(screenshots / "console-documents.png"), full_page=True)

    widget = WidgetPage.visit(browser, f"{shop}/en")
    shopper = widget.page
    widget.open()
    answer = widget.ask("How much does it cost to engrave my lamp?")
    expect(answer.locator(".bubble")).to_contain_text("25")
    expect(answer.locator(".sources a").first).to_contain_text("Lamp engraving")
    # Asked in Chinese (another shopper), the English document is translated by the LLM, a
    # sentence at a time under its number check.
    other = WidgetPage.visit(browser, f"{shop}/zh")
    other.open()
    chinese = other.ask("台灯刻字要多少钱？")
    expect(chinese.locator(".bubble")).to_contain_text("25")
    expect(chinese.locator(".sources a").first).to_contain_text("Lamp engraving")
    assert chinese.get_attribute("lang") == "zh-CN"
    other.page.close()

    row.locator("button[data-action=delete]").click()
    expect(staff.locator("#confirm-dialog")).to_be_visible()
    staff.locator("#confirm-delete").click()
    expect(row).to_have_count(0)
    expect(rows).to_have_count(known)
    again = widget.ask("How much does it cost to engrave my lamp?")
    expect(again.locator(".sources a", has_text="Lamp engraving")).to_have_count(0)
    shopper.close()
    staff.close()


def test_staff_read_the_dashboard_and_admins_the_audit_log(
    browser: Browser, kefu_server: Kefu, screenshots: Path
) -> None:
    staff = browser.new_page(viewport={"width": 1366, "height": 900})
    requested = requests_of(staff)
    sign_in(staff, kefu_server, kefu_server.key("staff", "Zhou"))
    staff.locator("nav [data-view=analytics]").click()
    dashboard = staff.locator("#analytics")
    expect(dashboard.locator("svg.chart").first).to_be_visible()
    assert dashboard.locator("svg.chart").count() >= 3
    expect(dashboard).not_to_contain_text("NaN")
    staff.screenshot(path=str(screenshots / "console-analytics.png"), full_page=True)
    assert f"{kefu_server.base}/static/console.js" in requested
    assert only_loopback(requested) == []  # scripts, styles, fonts: nothing from a CDN
    staff.close()

    # A ticket from a chat, read by an agent: the read is in the audit log.
    handed_over = httpx.post(
        f"{kefu_server.base}/v1/chat", json={"message": "转人工"}, timeout=120
    ).json()
    ticket_id = handed_over["ticket_id"]
    agent = browser.new_page()
    sign_in(agent, kefu_server, kefu_server.key("agent", "Wu"))
    agent.goto(f"{kefu_server.base}/console?lang=en#/tickets/{ticket_id}")
    expect(agent.locator("#ticket-detail .transcript li[data-role=shopper]")).to_have_text(
        re.compile("转人工")
    )
    agent.close()

    admin = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(admin, kefu_server, ADMIN_KEY)
    assert views(admin) == {"tickets", "documents", "analytics", "audit"}
    admin.locator("nav [data-view=audit]").click()
    read = admin.locator("#audit tr", has_text=f"ticket:{ticket_id}")
    expect(read.first).to_contain_text("ticket.read")
    expect(read.first).to_contain_text("agent:Wu")
    admin.screenshot(path=str(screenshots / "console-audit.png"), full_page=True)

    # In Chinese, the same console.
    admin.goto(f"{kefu_server.base}/console?lang=zh")
    expect(admin.locator("nav [data-view=tickets]")).to_contain_text("工单")
    admin.close()
