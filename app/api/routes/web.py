"""The pages people open in a browser: the demo shop with the widget, the one-tag widget
script, the staff console, and the help-centre passage a chat answer cites.

The widget and the console are built from ``web/`` into ``app/web/static`` (``npm run build``,
run by ``make install``); nothing is loaded from a CDN."""

from html import escape
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import ContainerDep, ShopperRateLimit
from app.core.errors import ApiError
from app.core.i18n import language_from_header, message
from models.language import Language, normalise_locale

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
STATIC_DIR = WEB_DIR / "static"

router = APIRouter(include_in_schema=False)


def built(name: str) -> Path:
    """A file of the built front end; 503 with the fix when the build has not run."""
    path = STATIC_DIR / name
    if not path.is_file():
        raise ApiError(503, "web_not_built")
    return path


@router.get("/")
async def demo_page() -> FileResponse:
    return FileResponse(WEB_DIR / "demo.html", media_type="text/html; charset=utf-8")


@router.get("/widget.js")
async def widget(request: Request) -> Response:
    """Revalidated on each page view (no-cache with an ETag): shops get a fix at once, and an
    unchanged script costs a 304."""
    path = built("widget.js")
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/console")
async def console() -> FileResponse:
    built("console.js")
    return FileResponse(WEB_DIR / "console.html", media_type="text/html; charset=utf-8")


def _page_language(request: Request, lang: str | None) -> Language:
    return normalise_locale(lang or "") or language_from_header(
        request.headers.get("accept-language")
    )


@router.get("/sources/{chunk_id}", dependencies=[ShopperRateLimit])
async def cited_passage(
    chunk_id: str,
    request: Request,
    container: ContainerDep,
    lang: str | None = Query(None, max_length=16),
) -> HTMLResponse:
    """The passage an answer cites, as a small page the widget's source links open."""
    ui = _page_language(request, lang)
    passage = (
        await run_in_threadpool(container.store.passage, chunk_id) if len(chunk_id) <= 200 else None
    )
    if passage is None:
        body = f"<p>{escape(message('source_gone', ui))}</p>"
        return HTMLResponse(
            _page(ui, message("source_page", ui), body), status_code=404, headers=PAGE_HEADERS
        )
    links = "".join(
        f'<li><a href="{escape(url)}" rel="noopener nofollow">{escape(url)}</a></li>'
        for url in passage.links
        if _safe_link(url)
    )
    paragraphs = "".join(
        f"<p>{escape(part)}</p>" for part in passage.text.split("\n") if part.strip()
    )
    heading = passage.heading if passage.heading and passage.heading != passage.title else ""
    body = (
        f"<p class=from>{escape(message('source_from', ui, document=passage.document))}</p>"
        f"<h1>{escape(passage.title)}</h1>"
        + (f"<h2>{escape(heading)}</h2>" if heading else "")
        + f'<article lang="{escape(passage.lang or ui)}">{paragraphs}</article>'
        + (f"<h2>{escape(message('source_links', ui))}</h2><ul>{links}</ul>" if links else "")
    )
    return HTMLResponse(
        _page(ui, f"{passage.title} · {message('source_page', ui)}", body), headers=PAGE_HEADERS
    )


# The passage page runs no script and loads nothing: shop documents are data, never code.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _safe_link(url: str) -> bool:
    """Web and mail links, and paths of this site; not javascript:, data: or //other-host."""
    if url.startswith(("http://", "https://", "mailto:")):
        return True
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def _page(lang: Language, title: str, body: str) -> str:
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>"
        'body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;line-height:1.6;'
        "max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1d2b27}"
        "h1{font-size:1.4rem}h2{font-size:1.1rem}.from{color:#4a5a55;font-size:.9rem}"
        "article{background:#f4f8f6;border-left:4px solid #2f5d50;padding:.5rem 1rem}"
        f"a{{color:#1f5a8a}}</style></head><body>{body}</body></html>"
    )
