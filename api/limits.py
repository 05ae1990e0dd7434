"""Bound every request: a JSON 413 for oversized bodies and an optional per-client rate limit (429).

Probes, metrics and the chat page's files are not rate-limited: a health checker must never get 429.
"""

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from limits import parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.probe_port import PROBE_PATHS
from api.schemas import ErrorBody
from api.settings import ApiSettings

log = logging.getLogger("api.limits")
UNLIMITED_PATHS = PROBE_PATHS | {"/"}
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
    redis://host:port every worker and replica pointing at that Redis shares one limit. Every call
    to the storage is asynchronous and gives up after `timeout` seconds: if the storage cannot be
    reached or hangs, the request is let through (a warning, `on_failure` counts it): the limit
    protects the service, and a Redis outage should not take the service down with it.
    """

    def __init__(self, app: ASGIApp, limit: str, storage: str, timeout: float, on_failure: Callable[[], None]) -> None:
        self.app = app
        self.item = parse(limit)
        self.timeout = timeout
        self.on_failure = on_failure
        self.limiter = MovingWindowRateLimiter(async_storage(storage, timeout))

    async def _allows(self, key: str) -> bool:
        try:
            async with asyncio.timeout(self.timeout):
                return await self.limiter.hit(self.item, key)
        except (StorageError, TimeoutError) as error:
            cause = error.storage_error if isinstance(error, StorageError) else error
            log.warning("Rate limit storage unavailable, request let through: %s", type(cause).__name__)
            self.on_failure()
            return True

    async def _retry_after(self, key: str) -> int:
        """Seconds until the client may ask again; the whole window if the storage does not say in time."""
        try:
            async with asyncio.timeout(self.timeout):
                reset = (await self.limiter.get_window_stats(self.item, key)).reset_time
        except (StorageError, TimeoutError):
            return self.item.get_expiry()
        return max(1, math.ceil(reset - time.time()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        key = client[0] if client else "unknown"
        if scope["type"] != "http" or _unlimited(scope["path"]) or await self._allows(key):
            await self.app(scope, receive, send)
            return
        retry_after = str(await self._retry_after(key))
        detail = f"Too many requests: the limit is {self.item}. Try again in {retry_after} s."
        await _error(429, detail, "rate_limited", {"Retry-After": retry_after})(scope, receive, send)


def async_storage(uri: str, timeout: float) -> AsyncStorage:
    """The asyncio flavour of a `limits` storage URI; a Redis client gets connect and read timeouts.

    redis-py's asyncio client (a dependency already) rather than `limits`' default, coredis.
    """
    options: dict[str, float | str | bool] = {"wrap_exceptions": True}
    if uri.split("://", 1)[0].split("+")[0] in ("redis", "rediss", "valkey", "valkeys"):
        options.update(implementation="redispy", socket_connect_timeout=timeout, socket_timeout=timeout)
    storage = storage_from_string(f"async+{uri}", **options)
    if not isinstance(storage, AsyncStorage):
        raise ValueError(f"{uri} has no asyncio storage in `limits`")
    return storage


def _unlimited(path: str) -> bool:
    return path in UNLIMITED_PATHS or path.startswith(UNLIMITED_PREFIX)


def limit_responses(settings: ApiSettings) -> dict[int | str, dict[str, Any]]:
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


def install_limits(app: FastAPI, settings: ApiSettings, on_storage_failure: Callable[[], None]) -> None:
    """The body cap, then (outside it) the rate limit keyed on the client's address.

    `on_storage_failure` is called for each request let through because the limit's storage failed.
    """
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.rate_limit:
        app.add_middleware(
            RateLimit,
            limit=settings.rate_limit,
            storage=settings.rate_limit_storage,
            timeout=settings.rate_limit_storage_timeout_seconds,
            on_failure=on_storage_failure,
        )
    if settings.trusted_proxies:
        # The socket peer is the client unless it is one of our proxies; only then is
        # X-Forwarded-For believed (uvicorn takes the nearest address no proxy added).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
