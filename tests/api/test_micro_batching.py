"""QA_MICRO_BATCHING=false: each request is answered on its own, with the same answers."""

import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from qa.embedding import load_encoder
from qa.engine import Engine, load_engine
from qa.index import Index
from qa.settings import PROJECT_ROOT

EVAL_FILE = PROJECT_ROOT / "eval" / "immunotherapy.jsonl"

QUESTIONS = [
    "Can I take immunotherapy as a pill?",
    "What are the side effects of immunotherapy?",
    "How is immunotherapy different from chemo?",
    "What is the capital of France?",
]


def _service(settings: ApiSettings, index: Index, quantize: bool) -> Engine:
    """The float model, or int8 with its float recheck given outright: whatever int8's start-up check says here."""
    if not quantize:
        return load_engine(settings, index)
    int8, checker = load_encoder(settings, quantized=True), load_encoder(settings, quantized=False)
    return load_engine(settings.model_copy(update={"quantize": True}), index, encoder=int8, checker=checker)


@pytest.fixture(scope="module")
def unbatched_client(settings: ApiSettings, index: Index) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_MICRO_BATCHING", "false")
        unbatched = ApiSettings(corpus=settings.corpus, index_dir=settings.index_dir, model_cache=settings.model_cache)
    assert unbatched.micro_batching is False
    with TestClient(create_app(unbatched, index)) as client:
        yield client


def test_answers_without_micro_batching_are_the_library_answers(unbatched_client: TestClient, service: Engine) -> None:
    with ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(lambda q: unbatched_client.post("/v1/ask", json={"question": q, "top_k": 5}), QUESTIONS * 3)
        )
    assert [r.status_code for r in responses] == [200] * len(responses)
    for question, response in zip(QUESTIONS * 3, responses, strict=True):
        assert response.json() == service.answer(question, 5).to_dict()


@pytest.mark.parametrize("quantize", [False, True], ids=["float", "int8 with recheck"])
def test_a_question_gets_the_same_passages_whatever_is_batched_beside_it(
    settings: ApiSettings, index: Index, quantize: bool
) -> None:
    """Micro-batching must not change anyone's answer, with either question encoder.

    The int8 model quantizes activations over a whole ONNX Runtime call: run on 16 questions at
    once, 16 of the eval file's 334 questions got another first passage than alone. So it runs on
    one question per call (QA_QUANTIZE=true), and the float recheck of close calls in runs of the
    close calls of a batch; this fails if either makes a question's passages depend on the others.
    """
    service = _service(settings, index, quantize)
    questions = [json.loads(line)["question"] for line in EVAL_FILE.read_text(encoding="utf-8").splitlines()]
    alone = [service.evidence([question], 3)[0] for question in questions]
    batched = [found for i in range(0, len(questions), 16) for found in service.evidence(questions[i : i + 16], 3)]
    for question, one, many in zip(questions, alone, batched, strict=True):
        assert [hit.passage.id for hit in one.hits] == [hit.passage.id for hit in many.hits], question


@pytest.mark.slow
@pytest.mark.parametrize("quantize", [False, True], ids=["float", "int8 with recheck"])
def test_the_whole_eval_file_asked_in_mixed_batches_with_mixed_top_k_gets_the_answers_asked_alone(
    settings: ApiSettings, index: Index, quantize: bool
) -> None:
    """A batch searched at its largest top_k made 1 of 334 questions (asked for one passage) a close call
    for int8, so it was encoded again with the float model only because of its neighbours; each question is
    now searched at its own top_k, so its status, passages and scores never depend on the batch."""
    service = _service(settings.model_copy(update={"cache_size": 0}), index, quantize)
    questions = [json.loads(line)["question"] for line in EVAL_FILE.read_text(encoding="utf-8").splitlines()]
    # Each question twice, at the fewest and the most passages: a batch mixes them always.
    requests = [(question, top_k) for question in questions for top_k in (1, 10)]
    alone = [service.answer(question, top_k) for question, top_k in requests]
    batched, start = [], 0
    for size in itertools.cycle((7, 1, 16, 3, 32)):
        if start >= len(requests):
            break
        batched += service.answer_many([(service.prepare(q), k) for q, k in requests[start : start + size]])
        start += size
    assert [a.to_dict() for a in batched] == [a.to_dict() for a in alone]
