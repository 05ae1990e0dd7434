"""How uvicorn treats connections: a deadline for each request, idle timeouts and a connection cap.

uvicorn closes idle keep-alive connections (timeout_keep_alive) and answers 503 above
limit_concurrency, but it has no deadline for a request that arrives slowly or only in
part: such connections stayed open for good and used up file descriptors.
"""

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from qa.settings import Settings


class RequestDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request is not whole in time.

    The clock starts when the connection opens and again when a request begins, and stops
    once the request (headers and body) has arrived; between requests uvicorn's own
    keep-alive timeout applies.
    """

    def __init__(self, *args: Any, request_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_timeout = request_timeout
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_clock()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_clock()

    def on_message_complete(self) -> None:
        self._stop_clock()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def _start_clock(self) -> None:
        self._stop_clock()
        self._deadline = self.loop.call_later(self._request_timeout, self._too_slow)

    def _stop_clock(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """The uvicorn.run options that bound connections, from settings."""
    return {
        "http": functools.partial(RequestDeadline, request_timeout=settings.request_timeout_seconds),
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }
