"""The request schema's limits and defaults come from ApiSettings: validation and OpenAPI alike."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from qa.index import Index

PILL = "Can I take immunotherapy as a pill?"


@pytest.fixture(scope="module")
def wide_client(settings: ApiSettings, index: Index) -> Iterator[TestClient]:
    """An app started with QA_TOP_K_DEFAULT=5, QA_TOP_K_MAX=20 and QA_QUESTION_MAX_CHARS=1500 in the environment."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_TOP_K_DEFAULT", "5")
        env.setenv("QA_TOP_K_MAX", "20")
        env.setenv("QA_QUESTION_MAX_CHARS", "1500")
        wide = ApiSettings(corpus=settings.corpus, index_dir=settings.index_dir, model_cache=settings.model_cache)
    with TestClient(create_app(wide, index)) as client:
        yield client


def request_schema(client: TestClient) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]
    return schema


def test_top_k_default_from_settings(wide_client: TestClient) -> None:
    response = wide_client.post("/v1/ask", json={"question": PILL})
    assert response.status_code == 200
    assert len(response.json()["passages"]) == 5


def test_top_k_max_from_settings(wide_client: TestClient) -> None:
    response = wide_client.post("/v1/ask", json={"question": PILL, "top_k": 15})
    assert response.status_code == 200
    assert len(response.json()["passages"]) == 15
    refused = wide_client.post("/v1/ask", json={"question": PILL, "top_k": 21})
    assert refused.status_code == 422
    assert "less than or equal to 20" in refused.text


def test_question_length_from_settings(wide_client: TestClient) -> None:
    long_question = (PILL + " ") * (1200 // (len(PILL) + 1))
    assert 1000 < len(long_question) <= 1500
    assert wide_client.post("/v1/ask", json={"question": long_question}).status_code == 200
    too_long = wide_client.post("/v1/ask", json={"question": "a" * 1501})
    assert too_long.status_code == 422
    assert "at most 1500 characters" in too_long.text


def test_openapi_shows_the_settings_limits(wide_client: TestClient, client: TestClient) -> None:
    wide, default = request_schema(wide_client), request_schema(client)
    assert wide["properties"]["top_k"] | {"title": None} == {
        "type": "integer",
        "default": 5,
        "minimum": 1,
        "maximum": 20,
        "description": "How many passages to return, best first.",
        "title": None,
    }
    assert wide["properties"]["question"]["maxLength"] == 1500
    assert "over 1500 characters" in wide["properties"]["question"]["description"]
    assert default["properties"]["top_k"]["default"] == ApiSettings.model_fields["top_k_default"].default
    assert default["properties"]["top_k"]["maximum"] == ApiSettings.model_fields["top_k_max"].default
    assert default["properties"]["question"]["maxLength"] == ApiSettings.model_fields["question_max_chars"].default


def test_blank_questions_are_still_refused_with_settings_limits(wide_client: TestClient) -> None:
    response = wide_client.post("/v1/ask", json={"question": "   "})
    assert response.status_code == 422
    assert "empty or only whitespace" in response.text
