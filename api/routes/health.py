"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.schemas import Health, Readiness
from api.startup import Startup

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Starting up (building or loading the index), or failed"}},
)
def readyz(request: Request) -> JSONResponse:
    """200 only once the index is loaded and questions can be answered; until then 503 says what is happening."""
    service = getattr(request.app.state, "service", None)
    if service is None:
        startup: Startup = request.app.state.startup
        body = Readiness(status=startup.phase, detail=startup.detail)
        return JSONResponse(body.model_dump(), status_code=503)
    manifest = service.index.manifest
    return JSONResponse(Readiness(status="ready", build_id=manifest.build_id, passages=manifest.passages).model_dump())
