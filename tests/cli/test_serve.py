"""`qa serve --workers 2`: two worker processes share the port and the memory-mapped index, and answer."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from qa.engine import Engine
from tests.servers import Paths, Server

pytestmark = pytest.mark.slow
QUESTIONS = [
    "Can I take immunotherapy as a pill?",
    "What are the side effects of immunotherapy?",
    "What is intravesical therapy?",
    "What is the capital of France?",
]


@pytest.fixture
def two_workers(paths: Paths) -> Iterator[Server]:
    server = Server(paths, "--workers", "2")
    try:
        yield server
    finally:
        server.stop()


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_two_workers_answer_like_the_library(two_workers: Server, service: Engine) -> None:
    assert two_workers.wait_ready()["status"] == "ready"
    assert len(children(two_workers.process.pid)) >= 2  # uvicorn's supervisor forks the workers

    def ask(question: str) -> httpx.Response:
        # A client per request: a new connection, so both workers get a share.
        with httpx.Client(base_url=two_workers.url, timeout=60) as client:
            return client.post("/v1/ask", json={"question": question, "top_k": 3})

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(ask, QUESTIONS * 5))
    assert [r.status_code for r in responses] == [200] * len(responses)
    for question, response in zip(QUESTIONS * 5, responses, strict=True):
        expected = service.answer(question, 3)
        answer = response.json()
        assert answer["answered"] == expected.answered
        assert [p["id"] for p in answer["passages"]] == [p.id for p in expected.passages]


def test_workers_die_with_their_parent(two_workers: Server) -> None:
    """kill -9 of `qa serve --workers 2` leaves no worker serving the port as an orphan."""
    two_workers.wait_ready()
    workers = children(two_workers.process.pid)
    assert len(workers) >= 2
    two_workers.process.kill()
    two_workers.process.wait()
    deadline = time.monotonic() + 10
    while (left := [pid for pid in workers if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"orphaned workers: {left}"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{two_workers.url}/healthz", timeout=5)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
