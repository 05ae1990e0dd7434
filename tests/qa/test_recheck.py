"""Questions encode with the float model by default; int8 (QA_QUANTIZE) only where it shows float's answers."""

import json
from pathlib import Path
from typing import Any

import pytest

from qa.embedding import load_checker
from qa.engine import Engine, load_engine
from qa.index import Index
from qa.int8_check import load_check_questions, shown
from qa.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

EVAL = PROJECT_ROOT / "eval"
FLOAT, INT8 = "onnx:model.onnx", "onnx:model-int8.onnx"
STORED = len(load_check_questions(Settings().quantize_check_questions))  # the eval file's and the follow-ups


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def float_service(settings: Settings, index: Index) -> Engine:
    return load_engine(settings.model_copy(update={"cache_size": 0}), index)


@pytest.fixture(scope="module")
def services(settings: Settings, index: Index) -> dict[str, Engine]:
    int8 = settings.model_copy(update={"cache_size": 0, "quantize": True})
    alone = int8.model_copy(update={"recheck_margin": 0.0, "recheck_band": 0.0})
    return {"rechecked": load_engine(int8, index), "int8 alone": load_engine(alone, index)}


def test_the_default_encodes_questions_with_the_float_model_and_checks_nothing(
    settings: Settings, float_service: Engine
) -> None:
    assert not settings.quantize
    assert float_service.encoder.name == FLOAT
    assert float_service.encoder.checker is None and float_service.int8_check is None
    assert load_checker(settings) is None


def test_int8_alone_fails_the_start_up_check_on_any_cpu_so_the_float_model_answers(
    services: dict[str, Engine],
) -> None:
    """int8 without the recheck shows another first passage or status for some of the stored questions
    (15 of 450 on a CPU with VNNI): the check must see it and hand every question to the float model."""
    check = services["int8 alone"].int8_check
    assert check is not None and check.questions == STORED
    assert check.differing > 0 and not check.passed
    assert services["int8 alone"].encoder.name == FLOAT and services["int8 alone"].encoder.checker is None


def test_int8_is_used_only_when_its_check_passed_on_this_cpu(services: dict[str, Engine]) -> None:
    service = services["rechecked"]
    check = service.int8_check
    assert check is not None and check.questions == STORED and check.cpu.get("avx2")
    assert service.encoder.name == (INT8 if check.passed else FLOAT)
    assert (service.encoder.checker is not None) == check.passed


@pytest.mark.parametrize("name", ["rechecked", "int8 alone"])
def test_every_eval_question_shows_what_the_float_model_shows(
    name: str, services: dict[str, Engine], float_service: Engine
) -> None:
    """Holds on any CPU: int8 is kept only where it passed its check, and the float model answers otherwise."""
    questions = [item["question"] for item in _lines(EVAL / "immunotherapy.jsonl")]
    differ = [q for q in questions if shown(services[name].answer(q)) != shown(float_service.answer(q))]
    assert differ == []


def test_follow_ups_show_what_the_float_model_shows(services: dict[str, Engine], float_service: Engine) -> None:
    dialogues = _lines(EVAL / "dialogues.jsonl")
    differ = [
        item["id"]
        for item in dialogues
        if shown(services["rechecked"].answer(item["question"], history=item["history"]))
        != shown(float_service.answer(item["question"], history=item["history"]))
    ]
    assert differ == []


def test_with_no_stored_questions_to_check_int8_is_not_trusted(settings: Settings, index: Index) -> None:
    unchecked = settings.model_copy(update={"quantize": True, "quantize_check_questions": [Path("/nonexistent")]})
    service = load_engine(unchecked, index)
    assert service.int8_check is not None and service.int8_check.questions == 0
    assert service.encoder.name == FLOAT and service.encoder.checker is None
