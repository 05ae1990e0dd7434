"""Request limits: a JSON 413 for big bodies, an optional per-client rate limit, questions normalized."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings

LIMITED = "/openapi.json"  # counted by the rate limit, and answered without loading the index
BODY_TOO_LARGE = {"detail": "The request body is larger than the limit of 16384 bytes.", "code": "body_too_large"}


def _chunks(size: int) -> Iterator[bytes]:
    """A body sent without Content-Length (chunked), so its size is only known as it arrives."""
    yield b'{"question": "'
    for _ in range(size // 1000):
        yield b"a" * 1000
    yield b'"}'


@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/ask"), ("GET", "/healthz"), ("POST", "/v1/admin/reindex")])
def test_declared_big_body_is_refused_with_json_413(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, content=b" " * 16385, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json() == BODY_TOO_LARGE


def test_streamed_big_body_is_refused_with_json_413(client: TestClient) -> None:
    response = client.post("/v1/ask", content=_chunks(20_000), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == BODY_TOO_LARGE


def test_body_of_exactly_the_limit_is_accepted(client: TestClient) -> None:
    body = b'{"question": "What is immunotherapy?"}'.ljust(16384)
    response = client.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["question"] == "What is immunotherapy?"


def test_rate_limit_is_off_by_default(client: TestClient) -> None:
    assert ApiSettings.model_fields["rate_limit"].default is None
    statuses = {client.get("/healthz").status_code for _ in range(100)}
    assert statuses == {200}


def _limited_app(**overrides: Any) -> FastAPI:
    # No lifespan: these routes answer without the index, which keeps these tests quick.
    return create_app(ApiSettings(**{"rate_limit": "3/minute", **overrides}))


def test_over_the_limit_is_429_with_retry_after() -> None:
    client = TestClient(_limited_app())
    assert [client.get(LIMITED).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(LIMITED)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.json()["code"] == "rate_limited"
    assert response.json()["detail"].startswith("Too many requests: the limit is 3 per 1 minute.")


def test_each_client_address_has_its_own_budget() -> None:
    app = _limited_app()
    first, second = TestClient(app, client=("192.0.2.1", 1000)), TestClient(app, client=("192.0.2.2", 1000))
    assert [first.get(LIMITED).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(LIMITED).status_code == 200


def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    client = TestClient(_limited_app(), client=("192.0.2.1", 1000))
    statuses = [client.get(LIMITED, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_forwarded_for_names_the_client_behind_a_trusted_proxy() -> None:
    proxy = TestClient(_limited_app(trusted_proxies=["192.0.2.9"]), client=("192.0.2.9", 1000))
    spread = [proxy.get(LIMITED, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(4)]
    assert spread == [200, 200, 200, 200]
    same = [proxy.get(LIMITED, headers={"X-Forwarded-For": "198.51.100.50"}).status_code for _ in range(4)]
    assert same == [200, 200, 200, 429]


def test_probes_metrics_and_the_page_are_never_rate_limited() -> None:
    client = TestClient(_limited_app(rate_limit="5/minute"))
    for path in ("/healthz", "/readyz", "/metrics", "/", "/static/app.js"):
        statuses = {client.get(path).status_code for _ in range(20)}
        assert 429 not in statuses, (path, statuses)
    assert [client.get(LIMITED).status_code for _ in range(6)] == [200] * 5 + [429]


def test_retry_after_is_exposed_to_cross_origin_callers() -> None:
    origin = "https://partner.example"
    client = TestClient(_limited_app(cors_origins=[origin]))
    responses = [client.get(LIMITED, headers={"Origin": origin}) for _ in range(4)]
    assert responses[-1].status_code == 429
    assert "retry-after" in responses[-1].headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    ("question", "understood"),
    [
        ("  What\u00a0is\r\n\timmunotherapy?\x00 ", "What is immunotherapy?"),
        ("What is immu\u200bnotherapy?", "What is immunotherapy?"),
        ("\u202eWhat is immunotherapy?\u202c", "What is immunotherapy?"),
        ("Qu'est-ce que l'immunoth\u0065\u0301rapie ?", "Qu'est-ce que l'immunoth\u00e9rapie ?"),
        ("a" * 1000, "a" * 1000),
    ],
)
def test_question_is_normalized_before_it_is_answered(client: TestClient, question: str, understood: str) -> None:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200
    assert response.json()["question"] == understood


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("\x00\x01\u200b\u2066", "question_empty"),
        ("\u0958" * 600, "question_too_long"),  # 600 characters, 1,200 after NFC
    ],
)
def test_question_limits_hold_after_normalization(client: TestClient, question: str, code: str) -> None:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 422
    assert response.json()["code"] == code


@pytest.mark.parametrize(("rate_limit", "documented"), [(None, {"413"}), ("60/minute", {"413", "429"})])
def test_every_operation_documents_the_limits(rate_limit: str | None, documented: set[str]) -> None:
    paths = create_app(ApiSettings(rate_limit=rate_limit)).openapi()["paths"]
    operations = [operation for methods in paths.values() for operation in methods.values()]
    assert operations
    for operation in operations:
        assert documented <= set(operation["responses"])
        assert "429" in operation["responses"] or rate_limit is None
