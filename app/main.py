"""The FastAPI application and its lifespan."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app.api.routes import (
    account,
    analytics,
    audit,
    chat,
    customers,
    documents,
    health,
    intents,
    reports,
    search,
    sessions,
    tickets,
    vault,
    web,
    webhooks,
)
from app.container import build_container
from app.core.config import Settings, get_settings
from app.core.errors import ERROR_STATUSES, ErrorBody, install_error_handlers
from app.core.logging import configure_logging
from app.core.middleware import BodyLimit, RequestContext


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build_container(settings) as container:
            app.state.container = container
            yield

    app = FastAPI(title="Kefu", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    for module in (
        health,
        account,
        chat,
        sessions,
        intents,
        documents,
        search,
        tickets,
        webhooks,
        customers,
        audit,
        vault,
        analytics,
        reports,
        web,
    ):
        app.include_router(module.router)
    # Each middleware added wraps those added before it: the request context outermost, then
    # CORS (so that a refusal by the body limit is readable by the shop's page), then the limit.
    app.add_middleware(
        BodyLimit,
        default=settings.max_request_bytes,
        uploads=settings.max_upload_bytes + 64 * 1024,  # the form around the file
    )
    # The widget runs on the shop's own pages: their origins may call the API (no cookies).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Accept-Language", "X-Request-ID"],
        expose_headers=["Retry-After", "X-Request-ID"],
        max_age=600,
    )
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR, check_dir=False), name="static")
    app.add_middleware(RequestContext, hsts=settings.environment == "production")
    app.openapi = _with_error_bodies(app)  # type: ignore[method-assign]
    return app


def _with_error_bodies(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The schema with Kefu's own 422 body: FastAPI documents its ``{"detail": [...]}``, which
    the error handlers never send (they answer ``{"error": {"code", "message"}}``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[ErrorBody.__name__] = body
        for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
            invalid = operation.get("responses", {}).get("422")
            if invalid is not None:
                invalid["description"] = ERROR_STATUSES[422]
                invalid["content"] = {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                }
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        return schema

    return openapi
