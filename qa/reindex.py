"""Index updates without downtime: rebuild and swap in place, or follow builds made elsewhere.

A rebuild writes a new build beside the live one (in a child process; see `qa.index`),
loads it, and hands it to the engine's build registry (`qa.registry`); requests already running finish on the
snapshot they started with. A build that fails, that is cancelled, or that cannot be
loaded, leaves the live index serving. The child dies with its parent: it never
switches CURRENT behind a server that is gone.
"""

import asyncio
import logging
import multiprocessing
import os
import threading
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from qa.documents import Corpus, load_corpus
from qa.engine import Engine
from qa.errors import IndexBuildError, QAError, RebuildRunning
from qa.index import Manifest, build_index, current_build, load_index
from qa.lifetime import die_with_parent
from qa.periodic import every
from qa.selftest import self_test
from qa.settings import Settings

log = logging.getLogger("qa.reindex")


@dataclass(frozen=True)
class Rebuilt:
    """The build now serving and the one it replaced."""

    manifest: Manifest
    previous_build_id: str


class Reindexer:
    """Changes the index an engine answers from, one change at a time; safe from any thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._rebuilding = threading.Lock()
        self._swapping = threading.Lock()
        self._unloadable: str | None = None
        self._last_problem: str | None = None
        self._child: multiprocessing.process.BaseProcess | None = None

    def rebuild(self) -> Rebuilt:
        """Build the index from the corpus as it is now and serve it; RebuildRunning if busy."""
        if not self._rebuilding.acquire(blocking=False):
            raise RebuildRunning("An index rebuild is already running; try again when it has finished.")
        try:
            previous = self.engine.index.manifest.build_id
            corpus = load_corpus(self.engine.settings.corpus)
            self._build_in_child(corpus)
            manifest = self._serve_current(corpus)
        finally:
            self._rebuilding.release()
        log.info(
            "Now serving index %s: %d passages built in %.1f s (was %s).",
            manifest.build_id,
            manifest.passages,
            manifest.build_seconds,
            previous,
        )
        return Rebuilt(manifest, previous)

    def reload_if_changed(self) -> bool:
        """Serve the build CURRENT names when it is new (written by `qa index build`, say)."""
        if self._rebuilding.locked():
            return False  # the rebuild serves its own build when it finishes
        live = self.engine.index.manifest.build_id
        try:
            current = current_build(self.engine.settings.index_dir).name
            if current in (live, self._unloadable):
                return False
            self._unloadable = current  # until it loads, so a bad build is not retried every tick
            self._serve_current(None)
        except QAError as problem:
            if str(problem) != self._last_problem:
                log.warning("Still serving index %s: %s", live, problem)
            self._last_problem = str(problem)
            return False
        self._unloadable = self._last_problem = None
        log.info("Now serving index %s (was %s).", self.engine.index.manifest.build_id, live)
        return True

    def cancel(self) -> None:
        """Stop a rebuild in progress (at shutdown); the live index keeps serving until then."""
        child = self._child
        if child is not None and child.is_alive():
            log.warning("Cancelling the index rebuild in process %s.", child.pid)
            child.kill()

    def _build_in_child(self, corpus: Corpus) -> None:
        # A child process builds, so the float model and the encoding batches go back to the
        # system when it exits (not to this process's heap) and it never holds our GIL.
        receiving, sending = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.get_context("spawn").Process(
            target=_build, args=(self.engine.settings, corpus, sending, os.getpid()), name="qa-reindex"
        )
        child.start()
        sending.close()
        self._child = child
        try:
            child.join()
            problem = receiving.recv() if receiving.poll() else "the build process ended abruptly"
        finally:
            self._child = None
            receiving.close()
        if problem is not None:
            raise IndexBuildError(f"{problem}; the build was abandoned.")

    def _serve_current(self, corpus: Corpus | None) -> Manifest:
        with self._swapping:
            engine = self.engine
            index = load_index(engine.settings, corpus)
            if index.manifest.build_id != engine.index.manifest.build_id:
                # The new build must answer right before it serves (SelfTestFailed keeps the old one).
                self_test(engine.trying(index))
                engine.stages.builds.swap(index)
            return index.manifest


def _build(settings: Settings, corpus: Corpus, result: Connection, parent: int) -> None:
    """The child's work: build, then report None or what went wrong."""
    die_with_parent(parent)
    try:
        build_index(settings, corpus)
    except QAError as error:
        result.send(str(error))
    else:
        result.send(None)


def watching(reindexer: Reindexer, seconds: float) -> AbstractAsyncContextManager[None]:
    """While the block runs, look for a new build every `seconds` (0 turns this off)."""
    return every(seconds, lambda: _watch(reindexer))


async def _watch(reindexer: Reindexer) -> None:
    try:
        await asyncio.to_thread(reindexer.reload_if_changed)
    except Exception:  # the watcher must outlive any one bad build
        log.exception("Checking for a new index build failed.")
