"""What every HTTP request passes through: a request id, an access-log line, latency metrics,
security headers and the body size limit. Plain ASGI, so streamed answers stream unbuffered."""

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.core.errors import error_body
from app.core.i18n import language_from_header, message
from app.core.logging import request_id_var
from app.core.metrics import HTTP_ERRORS, HTTP_SECONDS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("kefu.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")

# The console and the pages are ours: scripts and styles only from this origin; the API answers
# are data. Shop pages that embed the widget keep their own policy.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
PAGE_POLICY = (
    b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    b"form-action 'self'"
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


class RequestContext:
    """Request id (``X-Request-ID``, kept when the caller sent a sane one), one JSON access-log
    line, latency by route, security headers."""

    def __init__(self, app: App, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                content_type = next((v for k, v in headers if k == b"content-type"), b"")
                has_policy = any(k == b"content-security-policy" for k, _ in headers)
                if content_type.startswith(b"text/html") and not has_policy:
                    headers.append((b"content-security-policy", PAGE_POLICY))
                if self.hsts:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_SECONDS.labels(scope["method"], route, f"{status // 100}xx").observe(seconds)
            if status >= 500:
                HTTP_ERRORS.labels(route).inc()
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id_var.reset(token)


class BodyLimit:
    """413 for a body larger than its route allows, whether it says its length or streams it:
    uploads get the upload limit (plus room for the form), everything else ``default``."""

    def __init__(self, app: App, *, default: int, uploads: int) -> None:
        self.app = app
        self.default = default
        self.uploads = uploads

    def limit(self, scope: Scope) -> int:
        return self.uploads if scope["path"].startswith("/v1/documents") else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, int(declared), limit)
            return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(received, limit)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge as exc:
            if not refused:
                raise
            await self._refuse(scope, send, exc.length, exc.limit)

    async def _refuse(self, scope: Scope, send: Send, length: int, limit: int) -> None:
        lang = language_from_header(_header(scope, b"accept-language"))
        body = error_body(
            "request_too_large", message("request_too_large", lang, length=length, limit=limit)
        )
        data = json.dumps(body, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})


class BodyTooLarge(Exception):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"body of {length}+ bytes over {limit}")
        self.length = length
        self.limit = limit
