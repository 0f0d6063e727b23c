"""The shopper's side of the browser tests: the embedded widget, reached through its open
shadow root (Playwright's CSS locators pierce it)."""

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

# Records every text the newest bot bubble shows, so a test can tell a streamed answer from one
# that arrived whole.
WATCH_ANSWER = """() => {
  const log = document.querySelector('#kefu-widget').shadowRoot.querySelector('.log');
  window.__kefuTexts = [];
  new MutationObserver(() => {
    const bubbles = log.querySelectorAll('li.assistant .bubble');
    const last = bubbles[bubbles.length - 1];
    const text = last ? last.textContent : '';
    const seen = window.__kefuTexts;
    if (text && (!seen.length || seen[seen.length - 1][0] !== text)) {
      seen.push([text, performance.now()]);
    }
  }).observe(log, {subtree: true, childList: true, characterData: true});
}"""


class WidgetPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator("#kefu-widget .launcher")
        self.panel = page.locator("#kefu-widget .panel")
        self.input = page.locator("#kefu-widget textarea.input")
        self.send_button = page.locator("#kefu-widget button.send")
        self.ticket_bar = page.locator("#kefu-widget .ticket")

    @classmethod
    def visit(cls, browser: Browser, url: str) -> "WidgetPage":
        """A shop's page, on a desktop screen, with the widget (still closed)."""
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url)
        return cls(page)

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def ask(self, question: str) -> Locator:
        """Send a question and wait for its answer to finish; the answer's list item (never an
        error line: a failed turn fails the test here)."""
        before = self.answers().count()
        self.input.fill(question)
        self.input.press("Enter")
        answer = self.answers().nth(before)
        expect(answer).to_be_visible()
        expect(self.send_button).to_be_enabled(timeout=120_000)
        expect(answer).not_to_have_attribute("aria-busy", "true")
        expect(answer).to_have_attribute("data-role", "assistant")
        return answer

    def answers(self) -> Locator:
        # The welcome line is a bot message too; answers are the ones after a shopper message.
        return self.page.locator("#kefu-widget li.msg.shopper ~ li.msg:is(.assistant, .error)")

    def watch_answer(self) -> None:
        self.page.evaluate(WATCH_ANSWER)

    def watched_texts(self) -> list[tuple[str, float]]:
        """What the newest bot bubble showed, in order, with the page's clock in ms."""
        texts: Any = self.page.evaluate("() => window.__kefuTexts")
        return [(str(text), float(at)) for text, at in texts]

    def shot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=str(folder / f"{name}.png"))
