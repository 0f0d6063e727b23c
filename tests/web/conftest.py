"""Browser tests: Debian's Chromium driven by Playwright against a live `kefu serve`, with the
widget embedded by one script tag in a shop page of another origin."""

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from tests.conftest import ADMIN_KEY, DEMO_KB, ROOT
from tests.live import free_port, kefu, live_server, server_env

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "out" / "screenshots"
# Chromium as root in a sandbox, with no network beyond loopback: nothing to phone home to.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip(
        "no /usr/bin/chromium: `make test-tools` installs Debian's chromium",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class Kefu:
    base: str
    env: dict[str, str]

    def key(self, role: str, name: str) -> str:
        return kefu(self.env, "keys", "create", "--role", role, "--name", name).strip()


@pytest.fixture(scope="session")
def kefu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kefu]:
    env = server_env(
        tmp_path_factory.mktemp("browser-data"),
        bootstrap_admin_key=ADMIN_KEY,
        llm_max_answer_tokens="160",
        reports_on_schedule="false",
    )
    kefu(env, "ingest", str(DEMO_KB))
    with live_server(env) as base:
        yield Kefu(base, env)


class _ShopPages(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        page = self.pages.get(self.path.split("?")[0])
        body = (page or "not found").encode()
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def shop_page(lang: str, script_tag: str, title: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>body{{font-family:sans-serif;margin:0}}"
        "header{background:#333;color:#fff;padding:1rem 2rem}main{padding:2rem}</style></head>"
        f"<body><header><h1>{title}</h1></header><main><p>Lamps, bedding, kitchenware.</p>"
        "<p>灯具、床品、厨具。</p></main>"
        f"{script_tag}</body></html>"
    )


@pytest.fixture(scope="session")
def shop(kefu_server: Kefu) -> Iterator[str]:
    """A shop's site on its own origin (another port) that embeds the widget with one tag."""
    tag = f'<script src="{kefu_server.base}/widget.js" defer></script>'
    _ShopPages.pages = {
        "/en": shop_page("en", tag, "Lumi Home"),
        "/zh": shop_page("zh-CN", tag, "鹿米家居"),
        "/customer": shop_page(
            "en",
            f'<script src="{kefu_server.base}/widget.js" data-customer-id="c-browser" defer>'
            "</script>",
            "Lumi Home · my account",
        ),
    }
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _ShopPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator["sync_api.Browser"]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def requests_of(page: "sync_api.Page") -> list[str]:
    """Every URL the page asks for from now on (to show that nothing comes from a CDN)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def only_loopback(urls: list[str]) -> list[str]:
    """The URLs that leave this machine (none should)."""
    return [url for url in urls if urlsplit(url).hostname not in ("127.0.0.1", "localhost")]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS
