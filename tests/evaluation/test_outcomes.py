"""qa eval's outcomes per kind of question, and the two-model refusal fitted on the train split."""

from pathlib import Path

import pytest

from evaluation.metrics import STATUSES, LabelledQuestion, evidence_for, fit_refusal, load_questions, score
from qa.engine import Engine
from qa.refusal import RefusalModel
from qa.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "eval" / "immunotherapy.jsonl"


@pytest.fixture(scope="module")
def train(service: Engine) -> list[LabelledQuestion]:
    return load_questions(EVAL, service.index.corpus, "train")


def test_the_eval_set_has_the_new_unanswerable_and_answerable_questions(service: Engine) -> None:
    questions = load_questions(EVAL, service.index.corpus)
    kinds = [q.kind for q in questions]
    assert kinds.count("unanswerable") >= 25 + 60 and kinds.count("answerable") >= 144 + 40
    test = [q for q in questions if q.split == "test"]
    assert 0.25 <= len(test) / len(questions) <= 0.4


def test_outcomes_are_reported_per_kind_and_add_up(service: Engine, train: list[LabelledQuestion]) -> None:
    report = score("hybrid", train, evidence_for(service, train), service)
    assert set(report.outcomes) == {"answerable", "unanswerable", "offtopic"}
    for kind, figures in report.outcomes.items():
        assert figures["n"] == sum(1 for q in train if q.kind == kind)
        assert sum(figures[s] for s in STATUSES) == pytest.approx(1.0, abs=1e-3)
        assert report.refusal[kind] == pytest.approx(figures["related"] + figures["not_found"], abs=1e-3)
    assert report.outcomes["offtopic"]["not_found"] >= 0.95
    assert report.outcomes["answerable"]["answered"] >= 0.95
    assert report.refusal["unanswerable"] > 0.5


def test_a_refit_model_round_trips_and_decides_as_fitted(
    service: Engine, train: list[LabelledQuestion], tmp_path: Path
) -> None:
    evidence = evidence_for(service, train)
    model = fit_refusal(train, evidence)
    model.save(tmp_path / "refusal.json", fitted_on="train")
    loaded = RefusalModel.load(tmp_path / "refusal.json")
    assert loaded == model
    statuses = [loaded.decide(ev) for ev in evidence]
    answerable = [s for q, s in zip(train, statuses, strict=True) if q.kind == "answerable"]
    assert answerable.count("answered") / len(answerable) >= 0.95
    assert {s for q, s in zip(train, statuses, strict=True) if q.kind == "offtopic"} == {"not_found"}
