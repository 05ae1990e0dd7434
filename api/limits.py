"""Bound every request: a JSON 413 for oversized bodies and an optional per-client rate limit (429).

Probes, metrics and the chat page's files are not rate-limited: a health checker must never get 429.
"""

import logging
import math
import time
from typing import Any

from fastapi import FastAPI, Request
from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.schemas import ErrorBody
from qa.settings import Settings

log = logging.getLogger("api.limits")
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/"})
UNLIMITED_PREFIX = "/static/"


class BodyTooLarge(HTTPException):
    """The request body is over the limit; an HTTPException so FastAPI's body reader passes it on."""

    code = "body_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {max_bytes} bytes.")


def _error(status: int, detail: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=detail, code=code).model_dump(), status_code=status, headers=headers)


class BodyLimit:
    """Refuse bodies over `max_bytes`: at once when Content-Length says so, else as bytes arrive.

    Replaces FastAPI's `max_body_size`, whose Starlette responder always answers in plain text.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = BodyTooLarge(self.max_bytes)
            await _error(413, error.detail, error.code)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, receive_within_limit, send)


async def _body_too_large(request: Request, error: Exception) -> Response:
    assert isinstance(error, BodyTooLarge)
    return _error(413, error.detail, error.code)


class RateLimit:
    """At most `limit` (e.g. '60/minute', moving window) requests per client address; else 429.

    The counts live in `storage` (a `limits` URI): memory:// is this process's own; with
    redis://host:port every worker and replica pointing at that Redis shares one limit. If the
    storage cannot be reached, requests are let through (and logged): the limit protects the
    service, and a Redis outage should not take the service down with it.
    """

    def __init__(self, app: ASGIApp, limit: str, storage: str) -> None:
        self.app = app
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage, wrap_exceptions=True))

    def _allows(self, key: str) -> bool:
        try:
            return self.limiter.hit(self.item, key)
        except StorageError as error:
            log.warning("Rate limit storage unavailable, request let through: %s", type(error.storage_error).__name__)
            return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        key = client[0] if client else "unknown"
        if scope["type"] != "http" or _unlimited(scope["path"]) or self._allows(key):
            await self.app(scope, receive, send)
            return
        reset = self.limiter.get_window_stats(self.item, key).reset_time
        retry_after = str(max(1, math.ceil(reset - time.time())))
        detail = f"Too many requests: the limit is {self.item}. Try again in {retry_after} s."
        await _error(429, detail, "rate_limited", {"Retry-After": retry_after})(scope, receive, send)


def _unlimited(path: str) -> bool:
    return path in UNLIMITED_PATHS or path.startswith(UNLIMITED_PREFIX)


def limit_responses(settings: Settings) -> dict[int | str, dict[str, Any]]:
    """The refusals any route may give, for the OpenAPI schema."""
    responses: dict[int | str, dict[str, Any]] = {
        413: {"model": ErrorBody, "description": f"The request body is over {settings.max_body_bytes} bytes"}
    }
    if settings.rate_limit:
        responses[429] = {
            "model": ErrorBody,
            "description": f"Over the limit of {settings.rate_limit} per client; see Retry-After",
        }
    return responses


def install_limits(app: FastAPI, settings: Settings) -> None:
    """The body cap, then (outside it) the rate limit keyed on the client's address."""
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit:
        app.add_middleware(RateLimit, limit=settings.rate_limit, storage=settings.rate_limit_storage)
    if settings.trusted_proxies:
        # The socket peer is the client unless it is one of our proxies; only then is
        # X-Forwarded-For believed (uvicorn takes the nearest address no proxy added).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
