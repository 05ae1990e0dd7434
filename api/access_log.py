"""One JSON line per request on the `api.access` logger; the question's text only with consent."""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.questions import question_hash

ACCESS_LOGGER = "api.access"
log = logging.getLogger(ACCESS_LOGGER)
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNROUTED = "unrouted"  # 404s, and requests refused before routing


@dataclass(frozen=True)
class Exchange:
    """What is known once a request is over; `question` is set by POST /v1/ask."""

    request_id: str
    method: str
    path: str
    route: str
    status: int
    latency_s: float
    question: str | None
    answered: bool | None


Observer = Callable[[Exchange], None]


class AccessLog:
    """Tags each request with an id (a valid incoming X-Request-ID, or a new one) and reports it."""

    def __init__(self, app: ASGIApp, observers: Sequence[Observer]) -> None:
        self.app = app
        self.observers = observers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500  # what the client gets if the app raises before answering

        async def send_tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_tagged)
        finally:
            route = scope.get("route")
            exchange = Exchange(
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                route=getattr(route, "path", UNROUTED),
                status=status,
                latency_s=time.perf_counter() - started,
                question=state.get("question"),
                answered=state.get("answered"),
            )
            for observe in self.observers:
                observe(exchange)


def _request_id(scope: Scope) -> str:
    incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def access_logger(log_questions: bool, hash_key: bytes) -> Observer:
    """An observer that writes the exchange as JSON; never the question unless `log_questions`."""

    def write(exchange: Exchange) -> None:
        entry: dict[str, Any] = {
            "request_id": exchange.request_id,
            "method": exchange.method,
            "path": exchange.path,
            "status": exchange.status,
            "latency_ms": round(exchange.latency_s * 1000, 2),
        }
        if exchange.question is not None:
            entry |= {
                "question_hash": question_hash(exchange.question, hash_key),
                "question_length": len(exchange.question),
                "answered": exchange.answered,
            }
            if log_questions:
                entry["question"] = exchange.question
        log.info(json.dumps(entry))

    return write
