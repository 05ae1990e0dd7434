"""The live build's files hashed again every QA_INDEX_VERIFY_SECONDS: a damaged one makes /readyz 503."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from api.deps import AppState
from qa.index import damaged_file

log = logging.getLogger("api.integrity")


@asynccontextmanager
async def verifying(state: AppState, seconds: float) -> AsyncIterator[None]:
    """While the block runs, check the live build's checksums every `seconds` (0 turns this off)."""
    task = asyncio.create_task(_verify(state, seconds)) if seconds > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def _verify(state: AppState, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        if state.engine is None:
            continue
        index = state.engine.index
        damaged = await asyncio.to_thread(damaged_file, index.path, index.manifest)
        problem = (
            f"Index file {index.path / damaged} of the live build no longer matches its checksum. Answers still come"
            " from the copy loaded at start, but no process can load this build again: run `qa index build`."
            if damaged
            else None
        )
        if problem and problem != state.damaged:
            log.error(problem)
        elif state.damaged and not problem:
            log.info("The live build %s matches its checksums again.", index.manifest.build_id)
        state.damaged = problem
