"""`qa serve --workers 2`: two worker processes share the port and the memory-mapped index, and answer."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from qa.service import QAService
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


def test_two_workers_answer_like_the_library(two_workers: Server, service: QAService) -> None:
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
        expected = service.ask(question, 3)
        answer = response.json()
        assert answer["answered"] == expected.answered
        assert [p["id"] for p in answer["passages"]] == [p.id for p in expected.passages]
