"""`qa eval` on dialogues: the history field, the three modes in one run, and the MedQuAD builder."""

import json
from pathlib import Path

from typer.testing import CliRunner

from bench.medquad.dialogues import DIALOGUES, QUESTIONS, build, elliptical
from cli.main import app
from evaluation.metrics import DIALOGUE_MODES, load_questions
from evaluation.report import run_eval
from qa.index import Index
from qa.settings import PROJECT_ROOT, Settings
from tests.cli.test_console import cli_env

ARTICLE_DIALOGUES = PROJECT_ROOT / "eval" / "dialogues.jsonl"


def test_dialogues_carry_their_history_and_labels_resolve(index: Index) -> None:
    questions = load_questions(ARTICLE_DIALOGUES, index.corpus)
    assert len(questions) >= 100
    assert all(q.history for q in questions)
    assert all(q.gold for q in questions if q.kind == "answerable")
    assert not any(q.gold for q in questions if q.kind != "answerable")
    assert {q.style for q in questions} == {
        "followup",
        "switch",
        "standalone",
        "standalone-long",
        "standalone-language",
    }
    assert {q.kind for q in questions} == {"answerable", "unanswerable", "offtopic", "otherlanguage"}
    assert {q.split for q in questions} == {"train", "test"}


def test_eval_reports_alone_concatenated_and_with_history_in_one_run(settings: Settings, tmp_path: Path) -> None:
    subset = tmp_path / "dialogues.jsonl"
    lines = ARTICLE_DIALOGUES.read_text(encoding="utf-8").splitlines()
    chosen = [line for line in lines if json.loads(line)["id"] in {"d07", "d23", "d33", "d39"}]
    subset.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    result = run_eval(settings, [subset])
    assert [r["method"] for r in result["reports"]] == [f"hybrid {mode}" for mode in DIALOGUE_MODES]
    alone, _, history = result["reports"]
    assert history["by_style"]["followup"]["R@1"] > alone["by_style"]["followup"]["R@1"]
    assert history["by_style"]["switch"]["R@1"] >= alone["by_style"]["switch"]["R@1"]
    assert set(result["context_used"]) == {"followup", "switch"}


def test_qa_eval_prints_the_modes_side_by_side(settings: Settings, tmp_path: Path) -> None:
    subset = tmp_path / "dialogues.jsonl"
    subset.write_text(ARTICLE_DIALOGUES.read_text(encoding="utf-8").splitlines()[6] + "\n", encoding="utf-8")
    args = ["eval", str(subset), "--corpus", str(settings.corpus), "--index-dir", str(settings.index_dir)]
    result = CliRunner().invoke(app, args, env=cli_env(settings))
    assert result.exit_code == 0, result.output
    for mode in DIALOGUE_MODES:
        assert f"hybrid {mode}" in result.output
    assert "alone / concatenated / with history" in result.output


def test_medquad_follow_ups_leave_the_topic_out() -> None:
    topic = "Adult Acute Lymphoblastic Leukemia"
    assert elliptical(f"What are the symptoms of {topic} ?", topic) == "What are the symptoms?"
    assert elliptical(f"How to diagnose {topic} ?", topic) == "How to diagnose it?"
    assert elliptical(f"Who is at risk for {topic}? ?", topic) == "Who is at risk?"
    assert elliptical(f"Is {topic} inherited ?", topic) == "Is it inherited?"


def test_medquad_dialogues_are_rebuilt_exactly_from_the_questions() -> None:
    records = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    built = build(records)
    assert [json.loads(line) for line in DIALOGUES.read_text(encoding="utf-8").splitlines()] == built
    styles = {turn["style"] for turn in built}
    assert styles == {"followup", "switch", "followup after switch"}
    assert all(1 <= len(turn["history"]) <= 5 for turn in built)
    for turn in built:
        if turn["style"] == "switch":
            assert turn["question"].startswith("What is (are) ")
