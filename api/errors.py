"""One place that turns library errors into JSON HTTP responses (never a traceback)."""

import json
import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from qa.errors import BuildGone, CorpusError, DocumentNotFound, IndexLoadError, QAError, QuestionError

log = logging.getLogger("api.errors")
_STATUS: list[tuple[type[QAError], int]] = [
    (DocumentNotFound, 404),
    (BuildGone, 410),
    (QuestionError, 422),
    (IndexLoadError, 503),
    (CorpusError, 503),
]


def _status_for(error: QAError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


async def _qa_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, QAError)
    return JSONResponse({"detail": str(error), "code": error.code}, status_code=_status_for(error))


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    # FastAPI's own handler fails (a 500) on an input holding a lone surrogate; ASCII JSON escapes it.
    body = json.dumps({"detail": jsonable_encoder(error.errors())})
    return Response(body, status_code=422, media_type="application/json")


async def _bad_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if isinstance(error.__cause__, UnicodeDecodeError):
        # FastAPI answers a body that is not UTF-8 with a bare 400; it is malformed JSON like any other.
        issue = {"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error: the body is not valid UTF-8"}
        return await _invalid_request(request, RequestValidationError([issue]))
    return await http_exception_handler(request, error)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.error("Unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
    return JSONResponse({"detail": "Internal error; it has been logged.", "code": "internal_error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QAError, _qa_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(400, _bad_request)
    app.add_exception_handler(Exception, _unexpected)
