"""GET /metrics: Prometheus counters, latency and index gauges, with no question text anywhere."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from api.settings import ApiSettings
from bench.http_load import running_server
from qa.index import Index
from tests.worker_metrics import per_worker, requests_counted

Labels = tuple[tuple[str, str], ...]


def _scrape(client: TestClient) -> dict[tuple[str, Labels], float]:
    """Every sample of the exposition, keyed by name and sorted labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _requests(method: str, route: str, status: int) -> tuple[str, Labels]:
    return "qa_http_requests_total", (("method", method), ("route", route), ("status", str(status)))


def _answers(outcome: str) -> tuple[str, Labels]:
    return "qa_answers_total", (("outcome", outcome),)


def test_questions_are_counted_by_outcome_and_route(client: TestClient) -> None:
    before = _scrape(client)
    outcomes = [
        client.post("/v1/ask", json={"question": question}).json()["answered"]
        for question in (
            "What is immunotherapy?",
            "How do I bake sourdough bread?",
            "Can I take immunotherapy as a pill?",
        )
    ]
    after = _scrape(client)
    assert set(outcomes) == {True, False}
    assert after[_answers("answered")] - before[_answers("answered")] == outcomes.count(True)
    assert after[_answers("refused")] - before[_answers("refused")] == outcomes.count(False)
    assert after[_requests("POST", "/v1/ask", 200)] - before.get(_requests("POST", "/v1/ask", 200), 0) == 3
    count = ("qa_http_request_duration_seconds_count", _requests("POST", "/v1/ask", 200)[1])
    assert after[count] - before.get(count, 0) == 3


def test_labels_are_route_templates_never_raw_paths_or_questions(client: TestClient) -> None:
    client.get("/v1/documents/acs-immunotherapy")
    client.get("/a/path/made/up/by/a/scanner")
    client.post("/v1/ask", json={"question": "Does quokka-venom immunotherapy work?"})
    exposition = client.get("/metrics").text
    samples = _scrape(client)
    assert samples[_requests("GET", "/v1/documents/{document_id:any}", 200)] >= 1
    assert samples[_requests("GET", "unrouted", 404)] >= 1
    for text in ("acs-immunotherapy", "scanner", "quokka"):
        assert text not in exposition


def test_index_size_and_age_are_read_at_scrape_time(client: TestClient, index: Index) -> None:
    first = _scrape(client)
    second = _scrape(client)
    assert first[("qa_index_passages", ())] == index.manifest.passages
    assert 0 <= first[("qa_index_age_seconds", ())] < second[("qa_index_age_seconds", ())]


def test_each_app_has_its_own_registry(settings: ApiSettings) -> None:
    # No lifespan: /healthz answers without the index, and the index gauges are then absent.
    one, other = TestClient(create_app(settings)), TestClient(create_app(settings))
    for _ in range(3):
        one.get("/healthz")
    assert _scrape(one)[_requests("GET", "/healthz", 200)] == 3
    assert _requests("GET", "/healthz", 200) not in _scrape(other)
    assert ("qa_index_passages", ()) not in _scrape(other)


def _asked(exposition: str) -> float:
    """POST /v1/ask 200 requests in an exposition."""
    return requests_counted(exposition, "POST", "/v1/ask", 200)


def _asked_per_worker(folder: Path) -> list[float]:
    return per_worker(folder, "POST", "/v1/ask", 200)


@pytest.mark.slow
def test_workers_report_every_request_whichever_worker_answers(
    settings: ApiSettings, index: Index, tmp_path: Path
) -> None:
    """`qa serve --workers 2`: every scrape counts the requests of both workers, exactly."""
    batch, rounds = 40, 10
    # TMPDIR puts the server's temporary metrics folder where the test can see it.
    with running_server(settings, {"TMPDIR": str(tmp_path)}, tmp_path / "serve.log", ["--workers", "2"]) as server:
        (folder,) = tmp_path.glob("qa-metrics-*")
        while len(list(folder.glob("counter_*.db"))) < 2:  # both workers have made their app
            time.sleep(0.05)

        def ask(number: int) -> int:
            # A connection per request, so the kernel hands requests to either worker.
            return httpx.post(
                f"{server.url}/v1/ask", json={"question": f"What is immunotherapy? ({number})"}
            ).status_code

        # The kernel may hand a busy machine's connections to one worker for a while: ask in rounds until
        # both have answered (a bounded number of rounds).
        asked = 0
        with ThreadPoolExecutor(8) as pool:
            for _ in range(rounds):
                assert set(pool.map(ask, range(asked, asked + batch))) == {200}
                asked += batch
                if min(_asked_per_worker(folder), default=0) > 0:
                    break
        scrapes = [_asked(httpx.get(f"{server.url}/metrics").text) for _ in range(10)]
        per_worker = _asked_per_worker(folder)
    assert scrapes == [asked] * 10
    assert len(per_worker) == 2 and sum(per_worker) == asked
    assert min(per_worker) > 0, per_worker  # both workers answered, and each scrape still saw all
    assert not folder.exists()  # removed when the server stopped


@pytest.fixture(scope="module")
def int8_client(settings: ApiSettings, index: Index) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"quantize": True}), index)) as client:
        yield client


def test_questions_encoded_again_with_the_float_model_are_counted(int8_client: TestClient) -> None:
    """With QA_QUANTIZE: a close call for int8 (first two passages within QA_RECHECK_MARGIN) counts once; the
    other two questions are not close calls, and an answer from the cache is not encoded at all. Where int8
    failed its start-up check on this CPU, the float model encodes every question and nothing is counted."""
    check = int8_client.get("/readyz").json()["int8_check"]
    scrape = _scrape(int8_client)
    assert scrape[("qa_int8_questions", ())] == int(check["passed"])
    assert scrape[("qa_int8_check_differing_questions", ())] == check["differing"]
    rechecked = ("qa_questions_rechecked_total", ())
    before = scrape[rechecked]
    int8_client.post("/v1/ask", json={"question": "Can I take immunotherapy as a pill?"})
    int8_client.post("/v1/ask", json={"question": "How do I bake sourdough bread?"})
    assert _scrape(int8_client)[rechecked] == before
    for _ in range(2):  # the second time from the answer cache
        int8_client.post("/v1/ask", json={"question": "does it kill healthy cells like chemo does"})
    assert _scrape(int8_client)[rechecked] == before + int(check["passed"])


def test_the_default_float_encoder_has_no_int8_gauges(client: TestClient) -> None:
    names = {name for name, _ in _scrape(client)}
    assert "qa_index_passages" in names
    assert not names & {"qa_int8_questions", "qa_int8_check_differing_questions"}
