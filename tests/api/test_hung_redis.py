"""A Redis that hangs (SIGSTOP) neither freezes `qa serve` nor refuses its questions: they are let through."""

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.http_load import Server, running_server
from qa.index import Index
from qa.settings import Settings
from tests.redis_server import RedisServer, redis_server

QUESTION = {"question": "What is immunotherapy?"}
CONCURRENT_QUESTIONS = 10


@pytest.fixture
def hung_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


async def _questions_and_probe(url: str) -> tuple[list[tuple[int, float]], float]:
    """CONCURRENT_QUESTIONS questions at once and, while they wait on Redis, one /healthz: statuses and seconds."""

    async def timed(client: httpx.AsyncClient, method: str, path: str) -> tuple[int, float]:
        began = time.perf_counter()
        response = await client.request(method, path, json=QUESTION if method == "POST" else None)
        return response.status_code, time.perf_counter() - began

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        asked = [asyncio.create_task(timed(client, "POST", "/v1/ask")) for _ in range(CONCURRENT_QUESTIONS)]
        await asyncio.sleep(0.02)  # the questions are waiting on Redis now
        _, probe_s = await timed(client, "GET", "/healthz")
        return list(await asyncio.gather(*asked)), probe_s


@pytest.mark.slow
def test_a_hung_redis_lets_questions_through_and_probes_answer(
    settings: Settings, index: Index, hung_redis: RedisServer, tmp_path: Path
) -> None:
    """SIGSTOP on redis-server: questions answered 200 within 2 s, /healthz at once, each failure counted."""
    limited = {"QA_RATE_LIMIT": "1000/minute", "QA_RATE_LIMIT_STORAGE": hung_redis.url}
    log = tmp_path / "serve.log"
    with running_server(settings, limited, log, ["--no-build"]) as server:
        assert httpx.post(f"{server.url}/v1/ask", json=QUESTION, timeout=30).status_code == 200  # cached now
        hung_redis.process.send_signal(signal.SIGSTOP)
        try:
            questions, probe_s = asyncio.run(_questions_and_probe(server.url))
        finally:
            hung_redis.process.send_signal(signal.SIGCONT)
        failures = _metric(server, "qa_rate_limit_storage_failures_total")
    assert [status for status, _ in questions] == [200] * CONCURRENT_QUESTIONS
    assert max(seconds for _, seconds in questions) < 2.0  # the target; the timeout is 0.25 s
    # Were a Redis call to block the event loop, the probe would wait behind ten of them (2.5 s and more).
    assert probe_s < 1.0
    assert failures >= CONCURRENT_QUESTIONS
    assert "Rate limit storage unavailable, request let through" in log.read_text()


def _metric(server: Server, name: str) -> float:
    lines = httpx.get(f"{server.url}/metrics").text.splitlines()
    return float(next(line.split()[1] for line in lines if line.startswith(f"{name} ")))
