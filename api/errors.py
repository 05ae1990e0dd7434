"""One place that turns library and request errors into JSON HTTP responses (never a traceback)."""

import json
import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import NotReady
from api.schemas import ErrorBody
from qa.errors import BuildGone, CorpusError, DocumentNotFound, IndexLoadError, QAError, QuestionError

log = logging.getLogger("api.errors")
_STATUS: list[tuple[type[QAError], int]] = [
    (DocumentNotFound, 404),
    (BuildGone, 410),
    (QuestionError, 422),
    (IndexLoadError, 503),
    (CorpusError, 503),
]
# Why FastAPI could not parse a JSON body, by the exception behind its bare 400.
_UNPARSED_BODY: list[tuple[type[Exception], str]] = [
    (UnicodeDecodeError, "JSON decode error: the body is not valid UTF-8"),
    (RecursionError, "JSON decode error: the body is nested too deeply"),
    # Last: UnicodeDecodeError is a ValueError too. Python reads integers of at most 4,300 digits.
    (ValueError, "JSON decode error: a number has too many digits"),
]
_BODY_METHODS = {"POST", "PUT", "PATCH"}


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
    # FastAPI answers a body that is not UTF-8 or is nested too deeply with a bare 400; it is malformed JSON
    # like any other, so it gets the same 422.
    for kind, message in _UNPARSED_BODY:
        if isinstance(error.__cause__, kind):
            issue = {"type": "json_invalid", "loc": ["body"], "msg": message}
            return await _invalid_request(request, RequestValidationError([issue]))
    return await http_exception_handler(request, error)


async def _not_ready(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NotReady)
    return JSONResponse(ErrorBody(detail=error.detail, code=error.code).model_dump(), status_code=503)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.error("Unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
    return JSONResponse({"detail": "Internal error; it has been logged.", "code": "internal_error"}, status_code=500)


def _is_json(content_type: str) -> bool:
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class JsonBodiesOnly:
    """Pure ASGI middleware: a request body that is not declared as JSON gets a 415 saying how to send it.

    Without it FastAPI reads form data or text as a string and answers a puzzling 422.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _BODY_METHODS:
            headers = Headers(scope=scope)
            has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
            content_type = headers.get("content-type", "")
            if has_body and not _is_json(content_type):
                said = f"it was sent as {content_type!r}" if content_type else "it had no Content-Type"
                detail = (
                    f"The body must be JSON, sent with the header Content-Type: application/json ({said}). "
                    """For example: curl -H 'Content-Type: application/json' -d '{"question": "..."}'"""
                )
                body = ErrorBody(detail=detail, code="unsupported_media_type").model_dump()
                await JSONResponse(body, status_code=415)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QAError, _qa_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(400, _bad_request)
    app.add_exception_handler(NotReady, _not_ready)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(JsonBodiesOnly)
