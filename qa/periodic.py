"""A step run every few seconds in the background while a block runs: watching for builds, verifying checksums."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress


@asynccontextmanager
async def every(seconds: float, step: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    """While the block runs, await `step()` every `seconds` (0 turns this off); cancelled when the block ends."""
    task = asyncio.create_task(_repeat(seconds, step)) if seconds > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def _repeat(seconds: float, step: Callable[[], Awaitable[None]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        await step()
