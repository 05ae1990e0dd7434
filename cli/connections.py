"""How uvicorn treats connections: a deadline for each request, a header size cap, a connection cap per port.

uvicorn closes idle keep-alive connections (timeout_keep_alive), but it has no deadline for a
request that arrives slowly or only in part, no cap on the size of headers with its httptools
parser (100 MB of headers were read into memory and answered 200), and its limit_concurrency
counts idle connections: 300 slow clients got every request, /healthz too, a 503.
"""

import asyncio
import functools
import ipaddress
import socket
from typing import Any, Literal

from starlette.responses import JSONResponse
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.connection_metrics import DROPPED, OPEN, DropReason
from api.schemas import ErrorBody
from api.settings import ApiSettings
from cli.connection_pool import ConnectionPool

Listener = Literal["public", "probe"]


class ConnectionGuard:
    """The limits of one server process's connections, and the pool of each port it listens on."""

    def __init__(self, settings: ApiSettings) -> None:
        self.request_timeout = settings.request_timeout_seconds
        self.max_header_bytes = settings.max_header_bytes
        self.probe_port = settings.probe_port
        self.pools: dict[Listener, ConnectionPool[GuardedProtocol]] = {
            "public": ConnectionPool(settings.max_connections, settings.max_connections_per_client),
            "probe": ConnectionPool(settings.probe_max_connections, settings.probe_max_connections),
        }
        self.proxies = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.trusted_proxies if proxy != "*"]
        self.any_proxy = "*" in settings.trusted_proxies
        detail = f"The request's headers are larger than the limit of {self.max_header_bytes} bytes."
        body = ErrorBody(detail=detail, code="headers_too_large").model_dump()
        # As an app, for headers that arrived whole; as bytes, for headers cut short at the limit.
        self.headers_too_large_app = JSONResponse(body, 431, {"connection": "close"})
        head = b"".join(b"%s: %s\r\n" % header for header in self.headers_too_large_app.raw_headers)
        self.headers_too_large = b"HTTP/1.1 431 Request Header Fields Too Large\r\n%s\r\n%s" % (
            head,
            self.headers_too_large_app.body,
        )

    def client(self, transport: asyncio.Transport) -> str | None:
        """The peer's address, the key of the per-client cap; None for a trusted proxy (nginx has its own)."""
        peer = transport.get_extra_info("peername")
        if not isinstance(peer, tuple):
            return None  # a Unix socket: there is no client address to tell apart
        address = ipaddress.ip_address(peer[0])
        return None if self.any_proxy or any(address in proxy for proxy in self.proxies) else str(address)

    def listener(self, transport: asyncio.Transport) -> Listener:
        address = transport.get_extra_info("sockname")
        probe = self.probe_port is not None and isinstance(address, tuple) and address[1] == self.probe_port
        return "probe" if probe else "public"


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request deadline, a header size cap and a connection pool.

    The deadline's clock starts when the connection opens and again when a request begins, and
    stops once the request (headers and body) has arrived; between requests uvicorn's own
    keep-alive timeout applies. Headers over the cap get a 431 and the connection is closed
    (memory holds at most the cap and one read). A connection counts in its port's pool
    (cli/connection_pool.py): one whose request has arrived is never closed to make room.
    """

    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = guard
        self._listener: Listener = "public"
        self._deadline: asyncio.TimerHandle | None = None
        self._header_bytes: int | None = 0  # None once the headers of the current request are whole

    @property
    def _pool(self) -> ConnectionPool["GuardedProtocol"]:
        return self._guard.pools[self._listener]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._listener = self._guard.listener(transport)
        OPEN.labels(self._listener).inc()
        evicted = self._pool.open(self, self._guard.client(transport))
        if evicted is self:
            self._drop("refused")
            return
        if evicted is not None:
            evicted._drop("evicted")
        self._start_clock()

    def data_received(self, data: bytes) -> None:
        if self._header_bytes is not None:
            self._header_bytes += len(data)
        super().data_received(data)
        too_large = self._header_bytes is not None and self._header_bytes > self._guard.max_header_bytes
        if too_large and not self.transport.is_closing():
            self.transport.write(self._guard.headers_too_large)
            self._drop("headers_too_large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_clock()

    def on_headers_complete(self) -> None:
        self._header_bytes = None
        if len(self.url) + sum(len(name) + len(value) for name, value in self.headers) <= self._guard.max_header_bytes:
            super().on_headers_complete()
            return
        # Whole headers over the limit, in one read: answered 431 by uvicorn's own request cycle.
        DROPPED.labels("headers_too_large").inc()
        app, self.app = self.app, self._guard.headers_too_large_app
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_message_complete(self) -> None:
        self._stop_clock()
        self._header_bytes = 0
        if self.cycle is not None and not self.cycle.response_complete:
            self._pool.busy(self)
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._pool.waiting(self)
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        self._pool.close(self)
        OPEN.labels(self._listener).dec()
        super().connection_lost(exc)

    def _start_clock(self) -> None:
        self._stop_clock()
        self._deadline = self.loop.call_later(self._guard.request_timeout, self._drop, "request_timeout")

    def _stop_clock(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _drop(self, reason: DropReason) -> None:
        self._stop_clock()
        self._pool.close(self)
        if not self.transport.is_closing():
            DROPPED.labels(reason).inc()
            self.transport.close()


def listen(host: str, ports: list[int]) -> list[socket.socket]:
    """Sockets bound to host:port for each port, as uvicorn binds its own, shared by `--workers` processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    for port in ports:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            for bound in sockets:
                bound.close()
            raise
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def uvicorn_limits(settings: ApiSettings) -> dict[str, Any]:
    """The uvicorn options that bound connections, from settings; the cap is the protocol's, not uvicorn's."""
    return {
        "http": functools.partial(GuardedProtocol, guard=ConnectionGuard(settings)),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }
