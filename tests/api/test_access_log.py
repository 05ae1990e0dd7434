"""Access log: one JSON line per request; the question's text only when the content team has consent."""

import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.settings import ApiSettings
from cli.logging_setup import LineFormatter
from qa.index import Index
from qa.questions import question_hash

# Distinctive words, so any trace of the question in any log record is easy to find.
QUESTION = "Does  zebrafish\tcheckpoint therapy help my aunt Philippa?"
NORMALIZED = "Does zebrafish checkpoint therapy help my aunt Philippa?"


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "api.access"]


def _ask(client: TestClient, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    caplog.clear()
    caplog.set_level(logging.DEBUG)  # every logger, every level
    response = client.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200
    [line] = _access_lines(caplog)
    assert line["request_id"] == response.headers["X-Request-ID"]
    return line


def test_question_text_is_not_logged_by_default(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    line = _ask(client, caplog)
    assert set(line) == {
        "request_id",
        "method",
        "path",
        "status",
        "latency_ms",
        "question_hash",
        "question_length",
        "answered",
    }
    assert (line["method"], line["path"], line["status"]) == ("POST", "/v1/ask", 200)
    assert len(line["question_hash"]) == 12
    assert line["question_hash"] == _ask(client, caplog)["question_hash"]  # repeats group together
    assert line["question_length"] == len(NORMALIZED)
    assert isinstance(line["answered"], bool)
    assert line["latency_ms"] >= 0
    for record in caplog.records:
        assert "zebrafish" not in record.getMessage() and "Philippa" not in record.getMessage()


def test_question_hash_cannot_be_confirmed_by_hashing_a_guess(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the key, hashing the right guess does not give the logged tag."""
    line = _ask(client, caplog)
    assert line["question_hash"] != hashlib.sha256(NORMALIZED.encode()).hexdigest()[:12]
    assert line["question_hash"] != question_hash(NORMALIZED, b"")


@pytest.fixture(scope="module")
def consenting_client(settings: ApiSettings, index: Index) -> Iterator[TestClient]:
    update = {"log_questions": True, "log_hash_key": SecretStr("shared by every worker")}
    with TestClient(create_app(settings.model_copy(update=update))) as client:
        yield client


def test_question_text_is_logged_with_consent(consenting_client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    line = _ask(consenting_client, caplog)
    assert line["question"] == NORMALIZED
    # A configured key gives the same tag in every worker and after restarts.
    assert line["question_hash"] == question_hash(NORMALIZED, b"shared by every worker")


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/healthz", None, 200),
        ("GET", "/v1/documents/no-such-document", None, 404),
        ("GET", "/no/such/path", None, 404),
        ("POST", "/v1/ask", {"question": ""}, 422),
        ("POST", "/v1/ask", {"question": "\u200b"}, 422),
    ],
)
def test_every_request_gets_one_json_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, method: str, path: str, body: object, status: int
) -> None:
    caplog.set_level(logging.INFO, logger="api.access")
    response = client.request(method, path, json=body)
    assert response.status_code == status
    [line] = _access_lines(caplog)
    assert (line["method"], line["path"], line["status"]) == (method, path, status)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert "question" not in line and "question_hash" not in line  # no question made it through


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("req-7f3a.2024:01_b", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("has space", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_request_id_is_kept_only_when_valid(
    client: TestClient, caplog: pytest.LogCaptureFixture, incoming: str, kept: bool
) -> None:
    caplog.set_level(logging.INFO, logger="api.access")
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    request_id = response.headers["X-Request-ID"]
    assert (request_id == incoming) is kept
    if not kept:
        assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert [line["request_id"] for line in _access_lines(caplog)] == [request_id]


def test_served_logs_show_access_records_as_bare_json(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.access")
    client.get("/healthz")
    [access] = [record for record in caplog.records if record.name == "api.access"]
    other = logging.LogRecord("api", logging.WARNING, __file__, 1, "Index %s is stale", ("b1",), None)
    formatter = LineFormatter()
    assert json.loads(formatter.format(access))["path"] == "/healthz"
    assert formatter.format(other) == "WARNING api: Index b1 is stale"
