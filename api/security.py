"""Security headers on every response: a strict Content-Security-Policy, nosniff, no referrer."""

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(frame_ancestors: Iterable[str], docs: bool = False) -> str:
    """The page's policy: only its own files, no inline script or style, framed only where allowed.

    With `docs`, the API docs pages' policy: also the inline script and styles (and the search
    worker) that Swagger UI and ReDoc need; their files still come only from this service.
    """
    inline = " 'unsafe-inline'" if docs else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self'{inline}",
            f"style-src 'self'{inline}",
            "img-src 'self' data:",
            *(["worker-src 'self' blob:"] if docs else []),
            "connect-src 'self'",
            _frame_ancestors(frame_ancestors),
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def _frame_ancestors(sources: Iterable[str]) -> str:
    # Each source was checked to be one token when the settings were read (ApiSettings.frame_ancestors).
    return "frame-ancestors " + (" ".join(sources) or "'none'")


class SecurityHeaders:
    """Pure ASGI middleware that adds the headers to each response unless a route set its own.

    Paths in `docs_paths` (the interactive API docs, whose pages hold an inline script) get the
    docs' policy instead of the page's.
    """

    def __init__(self, app: ASGIApp, frame_ancestors: Iterable[str] = (), docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        sources = tuple(frame_ancestors)
        common = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
        self._headers = [("Content-Security-Policy", content_security_policy(sources)), *common]
        self._docs_headers = [("Content-Security-Policy", content_security_policy(sources, docs=True)), *common]
        self._docs = set(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs_headers if scope["path"] in self._docs else self._headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
