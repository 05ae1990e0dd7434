"""Liveness and readiness: /healthz while the process is up, /readyz only once the index is loaded."""

import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.deps import app_state
from api.main import create_app
from api.settings import ApiSettings
from qa.errors import IndexLoadError, QAError
from qa.index import Index
from qa.int8_check import load_check_questions
from tests.conftest import private_copy


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_live_build(client: TestClient, settings: ApiSettings, index: Index) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["build_id"] == (settings.index_dir / "CURRENT").read_text().strip()
    assert body["passages"] == len(index.passages)
    assert body["question_encoder"] == "onnx:model.onnx" and body["int8_check"] is None


def test_readyz_says_when_int8_failed_its_check_and_the_float_model_answers(
    settings: ApiSettings, index: Index
) -> None:
    """int8 without the float recheck shows other answers than float for some stored questions on any CPU."""
    alone = settings.model_copy(update={"quantize": True, "recheck_margin": 0.0, "recheck_band": 0.0})
    with TestClient(create_app(alone, index)) as client:
        body = client.get("/readyz").json()
        metrics = client.get("/metrics").text
    assert body["question_encoder"] == "onnx:model.onnx"
    check = body["int8_check"]
    assert check["questions"] == len(load_check_questions(settings.quantize_check_questions))
    assert check["differing"] > 0 and check["passed"] is False
    assert set(check["cpu"]) == {"avx2", "avx512", "vnni"}
    assert "qa_int8_questions 0.0" in metrics
    assert f"qa_int8_check_differing_questions {float(check['differing'])}" in metrics


def test_before_the_index_is_loaded_only_liveness_is_ok(settings: ApiSettings) -> None:
    # Without `with`, the lifespan does not run: the app is up but has loaded nothing.
    client = TestClient(create_app(settings))
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "loading"
    asked = client.post("/v1/ask", json={"question": "Can I take immunotherapy as a pill?"})
    assert asked.status_code == 503
    assert "loading" in asked.json()["detail"]


def test_an_index_given_to_the_app_is_served_without_loading_another(settings: ApiSettings, index: Index) -> None:
    """`qa serve` hands over the index it has just checked; the app must not load a second one."""
    app = create_app(settings, index)
    with TestClient(app) as client:
        state = app_state(app)
        assert state.engine is not None
        assert state.engine.index is index
        assert state.preloaded_index is None  # the service alone holds it from now on
        assert client.get("/readyz").json()["build_id"] == index.manifest.build_id


def test_head_works_wherever_get_does(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/", "/static/app.js", "/v1/documents/acs-immunotherapy", "/openapi.json"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))


def wait_until_ready(client: TestClient) -> list[str]:
    """The /readyz statuses seen until it says ready (the test's own timeout bounds the wait)."""
    seen: list[str] = []
    while not seen or seen[-1] != "ready":
        status = client.get("/readyz").json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.05)
    return seen


def test_loading_in_the_background_the_app_answers_at_once_and_says_what_it_is_doing(
    tmp_path: Path, settings: ApiSettings, index: Index
) -> None:
    app = create_app(private_copy(tmp_path, settings), load_in_background=True)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "loading",
            "build_id": None,
            "passages": None,
            "question_encoder": None,
            "int8_check": None,
            "detail": "Starting up: loading the index and the model.",
        }
        asked = client.post("/v1/ask", json={"question": "Can I take immunotherapy as a pill?"})
        assert asked.status_code == 503
        assert asked.json() == {
            "detail": "Starting up: loading the index and the model. Try again in a moment.",
            "code": "starting_up",
        }
        assert wait_until_ready(client) == ["loading", "ready"]
        assert client.post("/v1/ask", json={"question": "Can I take immunotherapy as a pill?"}).status_code == 200


def test_a_failed_background_start_is_reported_and_handed_to_the_caller(
    tmp_path: Path, settings: ApiSettings, index: Index
) -> None:
    copy = private_copy(tmp_path, settings)
    (copy.index_dir / "CURRENT").write_text("20990101T000000000000Z")
    failures: list[QAError] = []
    with TestClient(create_app(copy, load_in_background=True, on_startup_failure=failures.append)) as client:
        while not failures:
            time.sleep(0.05)
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "failed"
        assert "names a build that does not exist" in ready.json()["detail"]
    assert isinstance(failures[0], IndexLoadError)


def test_what_a_first_question_would_load_is_loaded_before_readyz_says_ready(settings: ApiSettings) -> None:
    """The language detector (0.6 s) and the English dictionary (0.13 s) used to load at the first
    question that needed them, after /readyz already said ready."""
    from qa import language, spelling

    language._identifier.cache_clear()
    spelling._english.cache_clear()
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert language._identifier.cache_info().currsize == 1
        assert spelling._english.cache_info().currsize == 1
        loads = language._identifier.cache_info().misses, spelling._english.cache_info().misses
        for question in ("¿Qué es la inmunoterapia?", "Is keytruda an immunotherapy?"):  # a word no passage has
            assert client.post("/v1/ask", json={"question": question}).status_code == 200
        assert (language._identifier.cache_info().misses, spelling._english.cache_info().misses) == loads
