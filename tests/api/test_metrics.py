"""GET /metrics: Prometheus counters, latency and index gauges, with no question text anywhere."""

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from qa.index import Index
from qa.settings import Settings

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


def test_each_app_has_its_own_registry(settings: Settings) -> None:
    # No lifespan: /healthz answers without the index, and the index gauges are then absent.
    one, other = TestClient(create_app(settings)), TestClient(create_app(settings))
    for _ in range(3):
        one.get("/healthz")
    assert _scrape(one)[_requests("GET", "/healthz", 200)] == 3
    assert _requests("GET", "/healthz", 200) not in _scrape(other)
    assert ("qa_index_passages", ()) not in _scrape(other)
