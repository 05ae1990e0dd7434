"""Security headers on every response: a strict Content-Security-Policy, nosniff, no referrer."""

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.settings import is_csp_source


def content_security_policy(frame_ancestors: Iterable[str]) -> str:
    """The page's policy: only its own files, no inline script or style, framed only where allowed."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            _frame_ancestors(frame_ancestors),
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def _frame_ancestors(sources: Iterable[str]) -> str:
    sources = tuple(sources)
    for source in sources:
        if not is_csp_source(source):
            raise ValueError(f"Not a valid frame-ancestors source: {source!r}")
    return "frame-ancestors " + (" ".join(sources) or "'none'")


class SecurityHeaders:
    """Pure ASGI middleware that adds the headers to each response unless a route set its own.

    Paths in `csp_exempt` (the interactive API docs, which load Swagger UI from a CDN with an
    inline script) get only the frame-ancestors part of the policy.
    """

    def __init__(
        self, app: ASGIApp, frame_ancestors: Iterable[str] = (), csp_exempt: Iterable[str | None] = ()
    ) -> None:
        self.app = app
        sources = tuple(frame_ancestors)
        common = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
        self._headers = [("Content-Security-Policy", content_security_policy(sources)), *common]
        self._exempt_headers = [("Content-Security-Policy", _frame_ancestors(sources)), *common]
        self._exempt = {path for path in csp_exempt if path}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._exempt_headers if scope["path"] in self._exempt else self._headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
