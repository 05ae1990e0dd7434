"""Micro-batching: concurrent questions share encoder calls, each gets its own answer."""

import asyncio

import pytest

from qa.batching import MicroBatcher


def test_concurrent_items_are_gathered_and_answered_in_order() -> None:
    calls: list[list[int]] = []

    def process(items: list[int]) -> list[int]:
        calls.append(items)
        return [item * 10 for item in items]

    async def burst() -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(process, max_batch=64)
        return await asyncio.gather(*(batcher.submit(i) for i in range(20)))

    assert asyncio.run(burst()) == [i * 10 for i in range(20)]
    assert sorted(item for call in calls for item in call) == list(range(20))
    assert len(calls) < 20  # gathered, not one call per item


def test_workers_share_a_burst() -> None:
    calls: list[list[int]] = []

    def process(items: list[int]) -> list[int]:
        calls.append(items)
        return items

    async def burst() -> list[int]:
        batcher: MicroBatcher[int, int] = MicroBatcher(process, max_batch=64, workers=2)
        return await asyncio.gather(*(batcher.submit(i) for i in range(32)))

    assert asyncio.run(burst()) == list(range(32))
    assert len(calls) >= 2 and max(len(call) for call in calls) <= 16


def test_a_failure_reaches_every_waiter_of_its_batch() -> None:
    def process(items: list[int]) -> list[int]:
        raise RuntimeError("encoder failed")

    async def burst() -> None:
        batcher: MicroBatcher[int, int] = MicroBatcher(process, max_batch=8)
        await asyncio.gather(*(batcher.submit(i) for i in range(4)))

    with pytest.raises(RuntimeError, match="encoder failed"):
        asyncio.run(burst())
