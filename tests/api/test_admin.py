"""POST /v1/admin/reindex: off without a token, bearer-protected, one rebuild at a time, failures keep serving."""

import fcntl
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from qa.index import Index
from tests.conftest import ARTICLE, private_copy

TOKEN = "admin-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def admin_settings(tmp_path_factory: pytest.TempPathFactory, settings: ApiSettings, index: Index) -> ApiSettings:
    """A copy of the corpus and of the built index that these tests may change."""
    return private_copy(tmp_path_factory.mktemp("admin"), settings, admin_token=TOKEN, index_watch_seconds=0)


@pytest.fixture(scope="module")
def admin_client(admin_settings: ApiSettings) -> Iterator[TestClient]:
    with TestClient(create_app(admin_settings)) as test_client:
        yield test_client


def live_build(client: TestClient) -> str:
    build_id: str = client.get("/readyz").json()["build_id"]
    return build_id


@pytest.mark.parametrize("headers", [{}, AUTH, {"Authorization": "Bearer anything"}])
def test_without_a_token_the_endpoint_answers_as_if_absent(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/admin/reindex", headers=headers)
    absent = client.post("/v1/admin/no-such-route", headers=headers)
    assert response.status_code == absent.status_code == 404
    assert response.json() == absent.json() == {"detail": "Not Found"}
    assert "/v1/admin/reindex" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "wrong", "longer", "shorter", "no-scheme", "basic", "empty"],
)
def test_a_missing_or_wrong_token_is_refused(admin_client: TestClient, headers: dict[str, str]) -> None:
    before = live_build(admin_client)
    response = admin_client.post("/v1/admin/reindex", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "A valid admin bearer token is required."}
    assert live_build(admin_client) == before


def test_a_body_not_sent_as_json_is_refused_as_documented(admin_client: TestClient) -> None:
    # Found by the schema fuzzer: a body with no Content-Type got a 415 the schema did not list.
    before = live_build(admin_client)
    response = admin_client.post("/v1/admin/reindex", headers=AUTH, content=b"x")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert "415" in admin_client.get("/openapi.json").json()["paths"]["/v1/admin/reindex"]["post"]["responses"]
    assert live_build(admin_client) == before


@pytest.mark.slow
def test_reindex_builds_and_serves_a_new_index(admin_client: TestClient) -> None:
    before = live_build(admin_client)
    response = admin_client.post("/v1/admin/reindex", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"build_id", "passages", "documents", "build_seconds", "previous_build_id"}
    assert body["previous_build_id"] == before
    assert body["build_id"] != before
    assert body["documents"] == 1
    assert body["build_seconds"] > 0
    assert admin_client.get("/readyz").json() == {
        "status": "ready",
        "build_id": body["build_id"],
        "passages": body["passages"],
        "question_encoder": "onnx:model.onnx",
        "int8_check": None,
        "detail": None,
    }
    answer = admin_client.post("/v1/ask", json={"question": "What is immunotherapy?"}).json()
    assert answer["answered"] and answer["passages"]


@pytest.mark.slow
def test_a_second_reindex_while_one_runs_is_a_conflict(admin_client: TestClient, admin_settings: ApiSettings) -> None:
    # Holding the build lock, as a `qa index build` in another process would, keeps the
    # first rebuild waiting; the other request must be refused at once, not queued.
    post = lambda: admin_client.post("/v1/admin/reindex", headers=AUTH)  # noqa: E731
    before = live_build(admin_client)
    with (admin_settings.index_dir / ".build.lock").open("w") as lock, ThreadPoolExecutor(2) as pool:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            requests = {pool.submit(post), pool.submit(post)}
            done, waiting = wait(requests, return_when=FIRST_COMPLETED, timeout=120)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        assert len(done) == 1 and len(waiting) == 1
        refused = done.pop().result()
        built = waiting.pop().result(timeout=120)
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "An index rebuild is already running; try again when it has finished.",
        "code": "reindex_running",
    }
    assert built.status_code == 200
    assert built.json()["previous_build_id"] == before
    assert live_build(admin_client) == built.json()["build_id"]


@pytest.mark.parametrize(
    ("break_corpus", "code", "detail"),
    [
        (lambda corpus: (corpus / ARTICLE.name).unlink(), "corpus_error", "No documents found in"),
        (lambda corpus: (corpus / ARTICLE.name).write_text(" \n\n "), "index_build_failed", "no text to index"),
    ],
    ids=["no-documents", "blank-document"],
)
def test_a_failed_build_says_why_and_the_old_index_keeps_serving(
    admin_client: TestClient,
    admin_settings: ApiSettings,
    break_corpus: Callable[[Path], object],
    code: str,
    detail: str,
) -> None:
    before = live_build(admin_client)
    try:
        break_corpus(admin_settings.corpus)
        response = admin_client.post("/v1/admin/reindex", headers=AUTH)
    finally:
        shutil.copy(ARTICLE, admin_settings.corpus / ARTICLE.name)
    assert response.status_code == 503
    assert response.json()["code"] == code
    assert detail in response.json()["detail"]
    assert live_build(admin_client) == before
    answer = admin_client.post("/v1/ask", json={"question": "What is immunotherapy?"})
    assert answer.status_code == 200 and answer.json()["passages"]
    assert not list((admin_settings.index_dir / "builds").glob(".tmp-*"))


def test_the_endpoint_is_documented_with_every_answer_it_gives(admin_client: TestClient) -> None:
    schema = admin_client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/admin/reindex"]["post"]
    assert {"200", "401", "409", "503"} <= set(operation["responses"])
    assert operation["security"] == [{"HTTPBearer": []}]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert set(schema["components"]["schemas"]["ReindexResponse"]["required"]) == {
        "build_id",
        "passages",
        "documents",
        "build_seconds",
        "previous_build_id",
    }
