"""The live build's files hashed again every QA_INDEX_VERIFY_SECONDS: a damaged one makes /readyz 503."""

import asyncio
import logging
from contextlib import AbstractAsyncContextManager

from api.deps import AppState
from qa.index import damaged_file
from qa.periodic import every

log = logging.getLogger("api.integrity")


def verifying(state: AppState, seconds: float) -> AbstractAsyncContextManager[None]:
    """While the block runs, check the live build's checksums every `seconds` (0 turns this off)."""
    return every(seconds, lambda: _verify(state))


async def _verify(state: AppState) -> None:
    if state.engine is None:
        return
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
