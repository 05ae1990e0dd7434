"""The probe port (QA_PROBE_PORT): /healthz, /readyz and /metrics on a port of their own, and nothing else."""

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.schemas import ErrorBody

PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class ProbePortOnlyProbes:
    """A request that came in on `port` for anything but a probe or the metrics gets a JSON 404."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        self.app = app
        self.port = port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        on_probe_port = scope["type"] == "http" and server is not None and server[1] == self.port
        if on_probe_port and scope["path"] not in PROBE_PATHS:
            detail = f"The probe port answers {', '.join(sorted(PROBE_PATHS))} only."
            await JSONResponse(ErrorBody(detail=detail, code="not_found").model_dump(), 404)(scope, receive, send)
            return
        await self.app(scope, receive, send)
