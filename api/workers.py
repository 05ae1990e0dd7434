"""The app of one `qa serve --workers N` worker: it ends with the process that started it (no orphans), and one
that cannot start tells `qa serve` why and stops every worker instead of being restarted."""

import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
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
def worker_failures() -> Iterator[Callable[[Iterable[int | None]], QAError | None]]:
    """While the block runs, workers started in it report why they could not start. Yields what turns the
    workers' exit codes and reports into the first error, of the kind it was (so `qa serve` exits with its code);
    a worker that ended with uvicorn's start-up failure code and no report is a plain QAError."""
    with tempfile.TemporaryDirectory(prefix="qa-workers-") as folder:
        os.environ[FAILURES] = folder

        def first(exit_codes: Iterable[int | None]) -> QAError | None:
            reports = sorted(Path(folder).glob("*.json"))
            if not reports:
                failed = STARTUP_FAILURE in exit_codes
                return QAError("A worker failed to start; the lines above say why.") if failed else None
            report = json.loads(reports[0].read_text(encoding="utf-8"))
            kind = getattr(errors, report["kind"], None)
            if not (isinstance(kind, type) and issubclass(kind, QAError)):
                kind = QAError
            return kind(report["message"])

        try:
            yield first
        finally:
            del os.environ[FAILURES]
