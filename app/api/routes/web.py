"""The demo shop page, the embeddable widget script and the staff console page."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parents[2] / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def demo_page() -> FileResponse:
    return FileResponse(WEB_DIR / "demo.html", media_type="text/html; charset=utf-8")


@router.get("/widget.js")
async def widget() -> FileResponse:
    return FileResponse(WEB_DIR / "widget.js", media_type="text/javascript; charset=utf-8")


@router.get("/console")
async def console() -> FileResponse:
    return FileResponse(WEB_DIR / "console.html", media_type="text/html; charset=utf-8")
