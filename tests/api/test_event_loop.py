"""No question holds up the event loop: /healthz answers at once while slow questions are being encoded."""

import json
import statistics
import threading
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from qa.index import Index
from qa.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

ASKERS, PROBES = 4, 15
# The bound. Measured on 2 shared cores: a median of 11-31 ms with questions answered in threads,
# 1.7 s when they were answered inside the event loop (QA_MICRO_BATCHING=false before issue 23).
HEALTHZ_BOUND_S = 0.1


def _slow_questions(count: int, chars: int) -> list[str]:
    """Questions of about `chars` characters, each of many parts: every one costs the encoder long texts."""
    asked = [
        json.loads(line)["question"]
        for line in (PROJECT_ROOT / "eval" / "immunotherapy.jsonl").read_text().splitlines()
    ]
    questions = []
    for number in range(count):
        words: list[str] = []
        for question in asked[number::count]:
            if len(" and ".join([*words, question])) > chars:
                break
            words.append(question)
        questions.append(" and ".join(words))
    return questions


@pytest.mark.parametrize("batching", [False, True], ids=["unbatched", "micro-batched"])
def test_healthz_answers_within_100_ms_while_slow_questions_run(
    settings: ApiSettings, index: Index, batching: bool
) -> None:
    """Four askers ask long many-part questions over and over (hundreds of ms each); /healthz, probed
    meanwhile, must not wait for them. Answering them inside the event loop made it wait seconds."""
    slow = settings.model_copy(
        update={
            "micro_batching": batching,
            "cache_size": 0,
            "question_max_chars": 4000,
            "question_max_encoded_chars": 4000,
            "question_max_parts": 12,
        }
    )
    questions = _slow_questions(ASKERS, 3500)
    stop, answered, ask_seconds = threading.Event(), [], []

    with TestClient(create_app(slow, index)) as client:

        def ask(question: str) -> None:
            while not stop.is_set():
                began = time.perf_counter()
                answered.append(client.post("/v1/ask", json={"question": question}).status_code)
                ask_seconds.append(time.perf_counter() - began)

        askers = [threading.Thread(target=ask, args=(question,)) for question in questions]
        for asker in askers:
            asker.start()
        time.sleep(1.0)  # every asker has a question in flight
        probes = []
        for _ in range(PROBES):
            began = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            probes.append(time.perf_counter() - began)
            time.sleep(0.05)
        stop.set()
        for asker in askers:
            asker.join()
    assert answered and set(answered) == {200}
    median_probe = statistics.median(probes)
    # The askers' questions were slow: /healthz was probed while they ran, not between them.
    assert statistics.median(ask_seconds) > 2 * HEALTHZ_BOUND_S, ask_seconds
    assert median_probe < HEALTHZ_BOUND_S, (median_probe, probes)
