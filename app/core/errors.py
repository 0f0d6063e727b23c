"""API errors: one JSON shape, ``{"error": {"code", "message"}}``, and never a stack trace."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import language_from_header, message
from ingest.errors import IngestError

logger = logging.getLogger("kefu.api")

INGEST_STATUS = {
    "unsupported_file_type": 415,
    "unreadable_document": 422,
    "encrypted_document": 422,
    "empty_document": 422,
    "no_text_layer": 422,
    "document_too_large": 413,
}


class ApiError(Exception):
    """Raised at the edge; ``code`` names a text in app.core.i18n."""

    def __init__(self, status: int, code: str, **params: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.params = params
        self.headers: dict[str, str] = {}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every JSON error the API answers with."""

    error: ErrorDetail


# What each error status means, as the schema documents it.
ERROR_STATUSES = {
    400: "The body cannot be read: not JSON (`malformed_json`), or a broken form.",
    401: "No API key, or an unknown one.",
    403: "The key's role is too low.",
    404: "Not found.",
    409: "The change conflicts with the current state.",
    413: "Too large: the body, an upload or a message.",
    415: "A file type that is not supported.",
    422: "The request is invalid (`invalid_request`, or a more specific code).",
    429: "Over a rate limit; `Retry-After` says when to try again.",
    503: "A model or store this needs is not available.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of these error statuses, each with the error body."""
    return {
        status: {"model": ErrorBody, "description": ERROR_STATUSES[status]} for status in statuses
    }


def _encodable(text: str) -> str:
    """The text with any lone surrogate replaced: JSON responses are UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


def error_body(code: str, text: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": _encodable(text)}}


def _lang(request: Request) -> Any:
    return language_from_header(request.headers.get("accept-language"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, message(exc.code, _lang(request), **exc.params)),
            status_code=exc.status,
            headers=exc.headers or None,
        )

    @app.exception_handler(IngestError)
    async def _ingest_error(request: Request, exc: IngestError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, message(exc.code, _lang(request), detail=str(exc))),
            status_code=INGEST_STATUS.get(exc.code, 422),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                error_body("malformed_json", message("malformed_json", _lang(request))),
                status_code=400,
            )
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}"
            for e in errors
        )
        return JSONResponse(
            error_body(
                "invalid_request", message("invalid_request", _lang(request), detail=detail)
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        text = message(code, _lang(request)) if code == "not_found" else str(exc.detail)
        return JSONResponse(error_body(code, text), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", message("internal_error", _lang(request))),
            status_code=500,
        )
