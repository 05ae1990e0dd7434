"""POST /v1/admin/reindex: rebuild the index from the corpus and serve it without downtime."""

import asyncio
import hashlib
import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import ReindexerDep, SettingsDep
from api.schemas import ErrorBody, HTTPErrorBody, ReindexResponse
from qa.errors import QAError, RebuildRunning

log = logging.getLogger("api.admin")
router = APIRouter(prefix="/v1/admin", tags=["admin"])
_bearer = HTTPBearer(auto_error=False, description="The token set in QA_ADMIN_TOKEN.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require_admin(settings: SettingsDep, credentials: Credentials) -> None:
    """401 unless the bearer token matches (the router is only mounted when a token is set)."""
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if not token or credentials is None or not _same_secret(credentials.credentials, token):
        raise HTTPException(
            status_code=401, detail="A valid admin bearer token is required.", headers={"WWW-Authenticate": "Bearer"}
        )


def _same_secret(given: str, expected: str) -> bool:
    # Equal-length digests compared in constant time reveal neither the token nor its length.
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest())


@router.post(
    "/reindex",
    response_model=ReindexResponse,
    dependencies=[Depends(require_admin)],
    responses={
        401: {"model": HTTPErrorBody, "description": "Missing or wrong bearer token"},
        409: {"model": ErrorBody, "description": "A rebuild is already running"},
        415: {"model": ErrorBody, "description": "A body was sent, and not as Content-Type: application/json"},
        503: {
            "model": ErrorBody,
            "description": "The build failed, or was cancelled by a shutdown; the previous index keeps serving",
        },
    },
)
async def reindex(reindexer: ReindexerDep) -> ReindexResponse | JSONResponse:
    """Rebuild the index beside the live one and swap it in; answers in flight are not disturbed.

    Runs to completion before answering (one rebuild at a time) and returns the new build.
    """
    try:
        rebuilt = await asyncio.to_thread(reindexer.rebuild)
    except asyncio.CancelledError:  # shutdown outlasted its grace period: stop the build, tell the caller
        reindexer.cancel()
        detail = "The server is shutting down: the reindex was cancelled and the previous index kept serving."
        return JSONResponse(ErrorBody(detail=detail, code="shutting_down").model_dump(), status_code=503)
    except RebuildRunning as error:
        return _error(409, error)
    except QAError as error:
        log.warning("Reindex failed; still serving index %s. %s", reindexer.engine.index.manifest.build_id, error)
        return _error(503, error)
    manifest = rebuilt.manifest
    return ReindexResponse(
        build_id=manifest.build_id,
        passages=manifest.passages,
        documents=manifest.documents,
        build_seconds=manifest.build_seconds,
        previous_build_id=rebuilt.previous_build_id,
    )


def _error(status: int, error: QAError) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=str(error), code=error.code).model_dump(), status_code=status)
