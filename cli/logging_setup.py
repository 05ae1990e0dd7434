"""Logging for the console script and its servers: plain lines, and access records as bare JSON lines."""

import logging
import logging.config
import sys
from typing import Any, TextIO

from api.access_log import ACCESS_LOGGER


class LineFormatter(logging.Formatter):
    """`LEVEL logger: message`, except access records, whose message already is one JSON object."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage() if record.name == ACCESS_LOGGER else super().format(record)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each record to the sys.stderr of that moment, not of start-up, so a redirected
    stderr (a test runner's capture, a CLI's pipe) never receives records after it is closed."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """StreamHandler.__init__ assigns a stream; the property always answers sys.stderr."""


# A dictConfig, so uvicorn can apply the same setup in each worker process (`log_config=`).
# Our own messages and uvicorn's at INFO; third-party chatter (the ONNX quantizer logs every tensor) at WARNING.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": LineFormatter}},
    "handlers": {"stderr": {"()": StderrHandler, "formatter": "line"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {name: {"level": "INFO"} for name in ("qa", "api", "cli", "bench", "evaluation", "uvicorn")},
}


def configure_logging() -> None:
    logging.config.dictConfig(LOG_CONFIG)
