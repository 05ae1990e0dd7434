"""How `qa serve --workers N` learns why a worker could not start (api/workers.py); live in tests/cli."""

import json
import os
from pathlib import Path

from uvicorn.config import STARTUP_FAILURE

from api.workers import FAILURES, worker_failures
from qa.errors import QAError, SelfTestFailed


def report(kind: str, message: str) -> None:
    """What a worker that cannot start writes (api.workers._report_and_exit, which then ends the process)."""
    (Path(os.environ[FAILURES]) / "4242.json").write_text(json.dumps({"kind": kind, "message": message}))


def test_a_workers_report_comes_back_as_the_error_it_was() -> None:
    with worker_failures() as failure:
        folder = Path(os.environ[FAILURES])
        assert failure([0, 0]) is None  # stopped normally
        report("SelfTestFailed", "The build's own sentences are not answered.")
        error = failure([STARTUP_FAILURE, 0])
    assert type(error) is SelfTestFailed and str(error) == "The build's own sentences are not answered."
    assert FAILURES not in os.environ and not folder.exists()


def test_a_start_up_failure_without_a_report_is_still_an_error() -> None:
    """uvicorn exits a worker with its start-up failure code when, say, the app cannot be made at all."""
    with worker_failures() as failure:
        error = failure([None, STARTUP_FAILURE])
    assert type(error) is QAError and "failed to start" in str(error)


def test_a_report_naming_no_error_of_the_library_is_a_plain_error() -> None:
    with worker_failures() as failure:
        report("__doc__", "not a class")
        error = failure([STARTUP_FAILURE])
    assert type(error) is QAError and str(error) == "not a class"
