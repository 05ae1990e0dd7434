"""The app of one `qa serve --workers N` worker: it ends with the process that started it (no orphans), and one
that cannot start tells `qa serve` why and stops every worker instead of being restarted."""

import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE

from api.main import create_app
from qa import errors
from qa.errors import QAError
from qa.lifetime import die_with_parent

# The folder `qa serve` makes for its workers' start-up errors (not a setting: set for the workers only).
FAILURES = "QA_SERVE_WORKER_FAILURES"


def create_worker_app() -> FastAPI:
    """`create_app()` from the environment, in a worker that dies with its parent (uvicorn's supervisor)."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        die_with_parent(parent.pid)
    return create_app(on_startup_failure=_report_and_exit)


def _report_and_exit(error: QAError) -> None:
    """Write the error (already logged in one line) for `qa serve`, and end this worker with uvicorn's start-up
    failure code, on which its supervisor stops every worker rather than start this one again and again."""
    folder = os.environ.get(FAILURES)
    if folder:
        report = {"kind": type(error).__name__, "message": str(error)}
        (Path(folder) / f"{os.getpid()}.json").write_text(json.dumps(report), encoding="utf-8")
    os._exit(STARTUP_FAILURE)  # before uvicorn logs the error again with a traceback


@contextmanager
def worker_failures() -> Iterator[Callable[[], QAError | None]]:
    """While the block runs, workers started in it report why they could not start; yields what reads the first
    report as the library's error (the kind it was, so `qa serve` exits with its code)."""
    with tempfile.TemporaryDirectory(prefix="qa-workers-") as folder:
        os.environ[FAILURES] = folder

        def first() -> QAError | None:
            reports = sorted(Path(folder).glob("*.json"))
            if not reports:
                return None
            report = json.loads(reports[0].read_text(encoding="utf-8"))
            kind = getattr(errors, report["kind"], QAError)
            return (kind if isinstance(kind, type) and issubclass(kind, QAError) else QAError)(report["message"])

        try:
            yield first
        finally:
            del os.environ[FAILURES]
