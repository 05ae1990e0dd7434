"""`qa serve --workers 2`: two worker processes share the port, answer, serve every build on disk, and die together."""

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from qa.engine import Engine
from tests.qa.test_reindex_live import revise
from tests.servers import Paths, Server
from tests.worker_metrics import per_worker

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


def test_a_new_build_is_served_by_build_id_from_either_worker(paths: Paths, tmp_path: Path) -> None:
    """A build `qa index build` has just published is fetched with `?build_id=` from any worker, swapped or not
    (F7: 1.8 % got 410 from the worker that had not swapped yet). With watching off neither worker swaps,
    so every request asks a worker that does not hold the new build."""
    paths.env.update({"QA_INDEX_WATCH_SECONDS": "0", "TMPDIR": str(tmp_path)})  # TMPDIR: the metrics folder
    server = Server(paths, "--workers", "2")
    try:
        old = server.wait_ready()["build_id"]
        (folder,) = tmp_path.glob("qa-metrics-*")
        ((document_id, text),) = revise(paths.corpus).items()
        subprocess.run(paths.command("index", "build"), env=paths.env, check=True, capture_output=True, timeout=300)
        new = paths.live_build()
        assert new != old

        def fetch(_: int) -> httpx.Response:  # a connection per request, so both workers get a share
            return httpx.get(f"{server.url}/v1/documents/{document_id}", params={"build_id": new}, timeout=60)

        with ThreadPoolExecutor(4) as pool:
            for _ in range(10):  # rounds until both workers have answered (a busy machine may favour one)
                responses = list(pool.map(fetch, range(20)))
                assert [r.status_code for r in responses] == [200] * 20, responses[0].text
                assert {r.json()["text"] for r in responses} == {text}
                answered = per_worker(folder, "GET", "/v1/documents/{document_id:any}", 200)
                if len(answered) == 2 and min(answered) > 0:
                    break
        assert len(answered) == 2 and min(answered) > 0, answered
        assert httpx.get(f"{server.url}/readyz").json()["build_id"] == old  # still live: all came from disk
    finally:
        server.stop()
