"""What the HTTP server did to connections, so floods show in /metrics: open connections and those it dropped."""

from typing import Literal, get_args

from prometheus_client import Counter, Gauge

DropReason = Literal["request_timeout", "headers_too_large", "evicted", "refused"]
# Created once per process and added to each app's registry; in multiprocess mode (`--workers`) their
# values live in the shared folder like every other metric's.
DROPPED = Counter(
    "qa_connections_dropped",
    "Connections the server closed without an answer: request_timeout (the request did not arrive within"
    " QA_REQUEST_TIMEOUT_SECONDS), headers_too_large (431), evicted (closed while waiting, to make room under"
    " QA_MAX_CONNECTIONS), refused (every connection busy).",
    ["reason"],
    registry=None,
)
OPEN = Gauge(
    "qa_connections_open",
    "Open connections, by listener (public, probe).",
    ["listener"],
    registry=None,
    multiprocess_mode="livesum",
)
COLLECTORS = (DROPPED, OPEN)
for _reason in get_args(DropReason):
    DROPPED.labels(_reason)  # each reason shows from the start, at 0
