"""The chat page carries the API's own limits, so it never sends what POST /v1/ask would refuse."""

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from qa.index import Index


def test_the_page_carries_the_default_limits(client: TestClient) -> None:
    page = client.get("/").text
    assert '<body data-history-max="5" ' in page
    assert 'maxlength="1000"' in page
    assert "$" not in page


def test_the_page_follows_the_settings(settings: ApiSettings, index: Index) -> None:
    narrow = settings.model_copy(update={"history_max": 2, "question_max_chars": 300})
    with TestClient(create_app(narrow)) as client:
        page = client.get("/").text
        assert '<body data-history-max="2" ' in page
        assert 'maxlength="300"' in page
        assert client.post("/v1/ask", json={"question": "x" * 301}).status_code == 422
