"""Start-up that does not block the port: the index is built or loaded in a thread while probes answer."""

import asyncio
import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Literal, TypeVar

from qa.errors import QAError

log = logging.getLogger("api.startup")
T = TypeVar("T")
Phase = Literal["loading", "building", "ready", "failed"]
_DETAIL: dict[Phase, str] = {
    "loading": "Starting up: loading the index and the model.",
    "building": "Starting up: building the index from the documents (the first start takes a little while).",
    "ready": "Ready.",
    "failed": "Start-up failed",
}


class Startup:
    """What the app is doing before it can answer, as the probes and the 503s report it."""

    def __init__(self) -> None:
        self.phase: Phase = "loading"
        self.error: QAError | None = None

    def enter(self, phase: Phase) -> None:
        if self.phase != phase:
            log.info("Start-up: %s", phase)
        self.phase = phase

    def fail(self, error: QAError) -> None:
        self.error = error
        self.phase = "failed"
        log.error("Start-up failed: %s", error)

    @property
    def detail(self) -> str:
        return f"{_DETAIL['failed']}: {self.error}" if self.error else _DETAIL[self.phase]


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """`work()` in a daemon thread: unlike asyncio.to_thread, a shutdown never waits for it to finish.

    A build cut short this way leaves only a staging folder, which the next build removes.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = work(), None
        except BaseException as exc:  # handed over to the awaiting task, whatever it is
            result, error = None, exc
        with suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="qa-startup", daemon=True).start()
    return await future
