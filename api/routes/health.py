"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StateDep
from api.schemas import Health, Int8Check, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "Starting up (building or loading the index), failed, or a file of the live build damaged",
        }
    },
)
def readyz(state: StateDep) -> JSONResponse:
    """200 only once the index is loaded, has passed its self-test and its files still match their checksums;
    otherwise 503 says what is happening."""
    engine = state.engine
    if engine is None:
        body = Readiness(status=state.startup.phase, detail=state.startup.detail)
        return JSONResponse(body.model_dump(), status_code=503)
    manifest = engine.index.manifest
    if state.damaged:  # found by api/integrity.py
        body = Readiness(status="damaged", build_id=manifest.build_id, passages=manifest.passages, detail=state.damaged)
        return JSONResponse(body.model_dump(), status_code=503)
    check = engine.int8_check
    body = Readiness(
        status="ready",
        build_id=manifest.build_id,
        passages=manifest.passages,
        question_encoder=engine.encoder.name,
        int8_check=Int8Check(**check.to_dict()) if check else None,
    )
    return JSONResponse(body.model_dump())
