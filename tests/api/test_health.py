"""Liveness and readiness: /healthz while the process is up, /readyz only once the index is loaded."""

from fastapi.testclient import TestClient

from api.deps import app_state
from api.main import create_app
from qa.index import Index
from qa.settings import Settings


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_live_build(client: TestClient, settings: Settings, index: Index) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["build_id"] == (settings.index_dir / "CURRENT").read_text().strip()
    assert body["passages"] == len(index.passages)


def test_before_the_index_is_loaded_only_liveness_is_ok(settings: Settings) -> None:
    # Without `with`, the lifespan does not run: the app is up but has loaded nothing.
    client = TestClient(create_app(settings))
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "loading"
    asked = client.post("/v1/ask", json={"question": "Can I take immunotherapy as a pill?"})
    assert asked.status_code == 503
    assert "loading" in asked.json()["detail"]


def test_an_index_given_to_the_app_is_served_without_loading_another(settings: Settings, index: Index) -> None:
    """`qa serve` hands over the index it has just checked; the app must not load a second one."""
    app = create_app(settings, index)
    with TestClient(app) as client:
        state = app_state(app)
        assert state.service is not None
        assert state.service.index is index
        assert state.preloaded_index is None  # the service alone holds it from now on
        assert client.get("/readyz").json()["build_id"] == index.manifest.build_id


def test_head_works_wherever_get_does(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/", "/static/app.js", "/v1/documents/acs-immunotherapy", "/openapi.json"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))
