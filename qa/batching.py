"""Micro-batching: questions that arrive while the encoder is busy share its next call.

A request that finds a worker idle starts a batch at once (no added wait); requests
that arrive meanwhile queue up and go together in the following call, so throughput
grows with load instead of each request waiting its turn. Several workers (one per
core) split a queue between them, so both cores encode under load.
"""

import asyncio
import math
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class MicroBatcher(Generic[Item, Result]):
    """Runs `process(items)` in up to `workers` threads on whatever has queued up."""

    def __init__(self, process: Callable[[list[Item]], list[Result]], max_batch: int, workers: int = 1) -> None:
        self._process = process
        self._max_batch = max_batch
        self._workers = workers
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining = 0

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._draining < self._workers:
            self._draining += 1
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                # An even share of the queue, so the other workers get work too.
                take = min(self._max_batch, math.ceil(len(self._queue) / self._workers))
                batch, self._queue = self._queue[:take], self._queue[take:]
                await self._run(batch)
        finally:
            self._draining -= 1

    async def _run(self, batch: list[tuple[Item, "asyncio.Future[Result]"]]) -> None:
        try:
            results = await asyncio.to_thread(self._process, [item for item, _ in batch])
        except Exception as exc:  # every waiter learns of the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
