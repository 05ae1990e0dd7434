"""The metrics behind the README's figures, on hand-made rankings, and the refusal fit on a hand-made set."""

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.metrics import (
    LabelledQuestion,
    first_hit_rank,
    fit_refusal,
    is_hit,
    mean_reciprocal_rank,
    recall_at,
)
from evaluation.report import run_eval
from qa.chunking import Passage
from qa.engine import load_engine
from qa.evidence import Evidence, Hit
from qa.index import Index
from qa.refusal import MODEL_FILE, RefusalModel
from qa.settings import PROJECT_ROOT, Settings


def passage(start: int, end: int, document_id: str = "doc") -> Passage:
    return Passage(f"{document_id}:{start}-{end}", document_id, start, end, "x" * (end - start), "content", ())


def evidence(*passages: Passage, top: float = 0.5, known: int = 3, terms: int = 3) -> Evidence:
    hits = [Hit(p, 1.0 - rank / 10, 0.0, 0.0, 0.0, ()) for rank, p in enumerate(passages)]
    return Evidence(hits, "medical", top, top, 5.0 * top, known, terms, vector=np.zeros(4, dtype=np.float32))


def test_recall_at_counts_first_hits_at_or_above_k() -> None:
    ranks = [1, 2, 3, None, 10, 11]
    assert recall_at(ranks, 1) == round(1 / 6, 4)
    assert recall_at(ranks, 3) == 0.5
    assert recall_at(ranks, 10) == round(4 / 6, 4)
    assert recall_at([], 1) == 0.0


def test_mrr_at_10_ignores_misses_and_ranks_below_10() -> None:
    assert mean_reciprocal_rank([1, 2, 4, None]) == round((1 + 1 / 2 + 1 / 4) / 4, 4)
    assert mean_reciprocal_rank([11, None]) == 0.0
    assert mean_reciprocal_rank([10]) == 0.1
    assert mean_reciprocal_rank([]) == 0.0


@pytest.mark.parametrize(
    ("span", "gold", "hit"),
    [
        ((0, 100), ("doc", 10, 30), True),  # holds the whole phrase
        ((0, 20), ("doc", 10, 30), True),  # half of it
        ((0, 19), ("doc", 10, 30), False),  # less than half
        ((0, 100), ("other", 10, 30), False),  # another document
        ((0, 10), ("doc", 10, 30), False),  # touches without overlapping
        ((0, 12), ("doc", 10, 14), True),  # a short phrase: half of its 4 characters
        ((0, 40), ("doc", 20, 80), True),  # a long phrase: 10 characters (half of 20) suffice
        ((0, 29), ("doc", 20, 80), False),
    ],
)
def test_is_hit_needs_half_the_gold_phrase(span: tuple[int, int], gold: tuple[str, int, int], hit: bool) -> None:
    assert is_hit(passage(*span), (gold,)) is hit


def test_first_hit_rank_is_one_based_and_none_without_a_hit() -> None:
    gold = (("doc", 200, 240),)
    ranked = evidence(passage(0, 100), passage(100, 190), passage(190, 300), passage(200, 240))
    assert first_hit_rank(ranked, gold) == 3
    assert first_hit_rank(evidence(passage(0, 100)), gold) is None
    assert first_hit_rank(evidence(), gold) is None


def test_fit_refusal_separates_a_separable_set() -> None:
    """Answerable questions with strong evidence, unanswerable ones with a word the corpus lacks,
    off-topic ones with weak evidence and several unknown words."""
    groups = {
        "answerable": [evidence(passage(0, 10), top=0.55 + i / 100) for i in range(20)],
        "unanswerable": [evidence(passage(0, 10), top=0.45 + i / 200, known=2) for i in range(20)],
        "offtopic": [evidence(passage(0, 10), top=0.1 + i / 100, known=1) for i in range(20)],
    }
    questions = [LabelledQuestion(f"{kind}{i}", "q", kind, "s", "train") for kind in groups for i in range(20)]
    model = fit_refusal(questions, [ev for found in groups.values() for ev in found])
    assert {model.decide(ev) for ev in groups["answerable"]} == {"answered"}
    assert "answered" not in {model.decide(ev) for ev in groups["unanswerable"]}
    assert {model.decide(ev) for ev in groups["offtopic"]} == {"not_found"}
    assert model.decide(evidence()) == "not_found"  # no passage at all


@pytest.mark.slow  # a whole evaluation of the train split with a refit: about 40 s of CPU
def test_refit_refusal_writes_where_it_is_told_and_serves_from_there(
    settings: Settings, index: Index, tmp_path: Path
) -> None:
    shipped = MODEL_FILE.read_bytes()
    target = tmp_path / "refusal.json"
    result = run_eval(settings, [PROJECT_ROOT / "eval" / "immunotherapy.jsonl"], "train", fit_to=target)
    assert MODEL_FILE.read_bytes() == shipped
    saved = json.loads(target.read_text())
    assert result["refusal_model"]["file"] == str(target)
    assert saved["fitted_on"] == "immunotherapy.jsonl split=train"
    assert set(saved["models"]) == {"answers", "on_topic"}
    assert RefusalModel.load(target).on_topic.weights == tuple(saved["models"]["on_topic"]["weights"])
    hybrid = result["reports"][0]
    assert hybrid["method"] == "hybrid" and hybrid["refusal"]["offtopic"] >= 0.9
    served = load_engine(settings.model_copy(update={"refusal_model": target}), index)
    assert served.stages.decision.refusal == RefusalModel.load(target)
