"""One place that turns library errors into JSON HTTP responses (never a traceback)."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from qa.errors import CorpusError, DocumentNotFound, IndexLoadError, QAError, QuestionError

log = logging.getLogger("api.errors")
_STATUS: list[tuple[type[QAError], int]] = [
    (DocumentNotFound, 404),
    (QuestionError, 422),
    (IndexLoadError, 503),
    (CorpusError, 503),
]


def _status_for(error: QAError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


async def _qa_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, QAError)
    return JSONResponse({"detail": str(error), "code": error.code}, status_code=_status_for(error))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.error("Unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
    return JSONResponse({"detail": "Internal error; it has been logged.", "code": "internal_error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QAError, _qa_error)
    app.add_exception_handler(Exception, _unexpected)
