"""Outcomes alone and in conversation: every question asked alone, after one and after two earlier on-topic ones.

The earlier questions are the opening questions of eval/dialogues.jsonl (on-topic questions the article
answers), taken in turn, so every run asks the same conversations. Questions go through
`Engine.answer`, the path POST /v1/ask takes. Each file of eval/ is read for what it labels: answerable
questions (R@1), unanswerable ones (answered: false), off-topic ones (not_found with no passage),
symptom questions (urgent or not), messages of feeling (answered: false) and small talk (no passage).
"""

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from evaluation.metrics import is_hit, load_questions
from qa.answer import Answer
from qa.engine import Engine

SETTINGS = ("alone", "after 1", "after 2")


def openers(dialogues: Path) -> list[str]:
    """The distinct opening questions of the dialogues, in file order."""
    records = [json.loads(line) for line in dialogues.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(dict.fromkeys(r["history"][0] for r in records if r.get("history") and r.get("kind") == "answerable"))


def conversation_outcomes(engine: Engine, files: list[Path], split: str, history: list[str]) -> dict[str, Any]:
    """Per measure (e.g. 'unanswerable: answered false'), its share alone, after one and after two questions.

    The measures of labelled files after the first are named with their file ('feelings, feeling: answered false').
    """
    shares: dict[str, list[list[bool]]] = defaultdict(lambda: [[], [], []])
    turn = 0
    for number, path in enumerate(files):
        for question, measure, check in _checks(path, engine, split, "" if number == 0 else f"{path.stem}, "):
            for depth in range(3):
                earlier = [history[(turn + j) % len(history)] for j in range(depth)]
                shares[measure][depth].append(check(engine.answer(question, 3, earlier)))
            turn += 1
    return {
        measure: {"n": len(flags[0]), **{s: round(sum(f) / len(f), 4) for s, f in zip(SETTINGS, flags, strict=True)}}
        for measure, flags in sorted(shares.items())
    }


def _checks(path: Path, engine: Engine, split: str, prefix: str) -> list[tuple[str, str, Any]]:
    """(question, measure, check on its answer) for each labelled question of `path` in `split`; `prefix` names
    the measures of a file labelled by kind."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [r for r in records if split in ("all", r.get("split", split)) and not r.get("history")]
    if records and "kind" in records[0]:
        labelled = load_questions(path, engine.index.corpus, split)
        checks = [(q.question, *_by_kind(q.kind, q.gold)) for q in labelled if not q.history]
        return [(question, prefix + measure, check) for question, measure, check in checks]
    if records and "urgent" in records[0]:
        kinds = {True: "urgent", False: "not urgent"}
        return [(r["question"], f"{path.stem}, {kinds[r['urgent']]}: urgent", _urgent) for r in records]
    return [(r["question"], "small talk: no passage", _no_passage) for r in records]


def _by_kind(kind: str, gold: Any) -> tuple[str, Any]:
    if kind == "answerable":
        return "answerable: R@1", lambda a: bool(a.passages) and is_hit(_passage(a), gold)
    if kind == "offtopic":
        return "off-topic: not_found, no passage", lambda a: a.status == "not_found" and not a.passages
    return f"{kind}: answered false", lambda a: not a.answered


def _passage(answer: Answer) -> Any:
    first = answer.passages[0]
    return type("Span", (), {"document_id": first.document_id, "start": first.start, "end": first.end})


def _urgent(answer: Answer) -> bool:
    return answer.urgent


def _no_passage(answer: Answer) -> bool:
    return not answer.passages and answer.status == "smalltalk"
