"""`qa eval` shows where the hybrid loses: R@k per answer type, and each miss with its rank and what came first."""

import json
from pathlib import Path

from rich.console import Console

from evaluation.misses import answer_type
from evaluation.report import render, run_eval
from qa.settings import PROJECT_ROOT, Settings

QUESTIONS = PROJECT_ROOT / "eval" / "immunotherapy.jsonl"
# q047 and q287 rank their right paragraph 9th and below the 10th (train, float); q005 finds it first.
CHOSEN = {"q005", "q047", "q287"}


def test_answer_types_follow_the_wording() -> None:
    assert answer_type("how long does treatment last?") == "duration"
    assert answer_type("How many rounds will I need") == "number"
    assert answer_type("where do most people get it") == "place"
    assert answer_type("Why doesn't immunotherapy always work?") == "reason"
    assert answer_type("Can immunotherapy cure my cancer?") == "yes/no"
    assert answer_type("actinic keratoses treatment") == "other"


def test_eval_lists_each_miss_with_the_rank_of_the_right_passage_and_what_came_first(
    settings: Settings, tmp_path: Path
) -> None:
    subset = tmp_path / "questions.jsonl"
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    subset.write_text("\n".join(line for line in lines if json.loads(line)["id"] in CHOSEN) + "\n", encoding="utf-8")
    result = run_eval(settings, [subset])
    hybrid = result["reports"][0]
    misses = {missed["id"]: missed for missed in hybrid["misses"]}
    assert set(misses) == {"q047", "q287"}
    assert all(missed["rank"] is None or missed["rank"] > 3 for missed in misses.values())
    assert sum(int(figures["n"]) for figures in hybrid["by_answer_type"].values()) == 3
    console = Console(record=True, width=400)
    render(result, console)
    output = console.export_text()
    assert "hybrid by answer type" in output and "where the hybrid loses" in output
    for missed in misses.values():
        rank = "> 10" if missed["rank"] is None else str(missed["rank"])
        row = next(line for line in output.splitlines() if missed["question"] in line)
        assert rank in row and missed["first"]["id"] in row and missed["answer_type"] in row
