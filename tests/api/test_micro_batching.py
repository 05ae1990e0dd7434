"""QA_MICRO_BATCHING=false: each request is answered on its own, with the same answers."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from qa.index import Index
from qa.service import QAService
from qa.settings import Settings

QUESTIONS = [
    "Can I take immunotherapy as a pill?",
    "What are the side effects of immunotherapy?",
    "How is immunotherapy different from chemo?",
    "What is the capital of France?",
]


@pytest.fixture(scope="module")
def unbatched_client(settings: Settings, index: Index) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_MICRO_BATCHING", "false")
        unbatched = Settings(corpus=settings.corpus, index_dir=settings.index_dir, model_cache=settings.model_cache)
    assert unbatched.micro_batching is False
    with TestClient(create_app(unbatched, index)) as client:
        yield client


def test_answers_without_micro_batching_are_the_library_answers(
    unbatched_client: TestClient, service: QAService
) -> None:
    with ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(lambda q: unbatched_client.post("/v1/ask", json={"question": q, "top_k": 5}), QUESTIONS * 3)
        )
    assert [r.status_code for r in responses] == [200] * len(responses)
    for question, response in zip(QUESTIONS * 3, responses, strict=True):
        assert response.json() == service.ask(question, 5).to_dict()
