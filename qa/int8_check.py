"""The start-up check of int8 question encoding: on this CPU it must show what the float model shows."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from qa.answer import Answer
from qa.cpu import instruction_sets
from qa.preparation import Question

# Questions per answer_many call: the float model encodes runs of 8, so a few runs per call.
_BATCH = 32


@dataclass(frozen=True)
class CheckQuestion:
    """A stored question, with the earlier questions of its conversation when it is a follow-up."""

    question: str
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class Int8Check:
    """How many stored questions int8 answered otherwise than the float model, on a CPU with these sets."""

    questions: int
    differing: int
    cpu: dict[str, bool] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.questions > 0 and self.differing == 0

    def to_dict(self) -> dict[str, object]:
        return {"questions": self.questions, "differing": self.differing, "passed": self.passed, "cpu": self.cpu}


class Asker(Protocol):
    """What the check needs of an engine: its answers (qa.engine.Engine)."""

    def prepare(self, question: str) -> Question: ...

    def answer(self, question: str, top_k: int | None = None, history: Sequence[str] = ()) -> Answer: ...

    def answer_many(self, requests: Sequence[tuple[Question, int]]) -> list[Answer]: ...


def load_check_questions(files: Sequence[Path]) -> list[CheckQuestion]:
    """Every line's `question` (and `history`) of the JSON-lines files; a missing file gives none."""
    found = []
    for path in files:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                found.append(CheckQuestion(str(item["question"]), tuple(item.get("history") or ())))
    return found


def shown(answer: Answer) -> tuple[str, tuple[str, int, int] | None]:
    """What a reader sees first: the status and, unless nothing is shown, where the first excerpt is (its
    document and offsets: which neighbouring text joins it, qa.excerpts, may differ when the first passage does not)."""
    if not answer.passages or answer.status == "not_found":
        return answer.status, None
    first = answer.passages[0]
    return answer.status, (first.document_id, first.start, first.end)


def compare(int8: Asker, reference: Asker, questions: list[CheckQuestion], top_k: int) -> Int8Check:
    """Ask every question of both engines (answer caches off) and count those shown differently."""
    alone = [q.question for q in questions if not q.history]
    follow_ups = [q for q in questions if q.history]
    differing = 0
    for start in range(0, len(alone), _BATCH):
        requests = [(int8.prepare(question), top_k) for question in alone[start : start + _BATCH]]
        pairs = zip(int8.answer_many(requests), reference.answer_many(requests), strict=True)
        differing += sum(shown(a) != shown(b) for a, b in pairs)
    for q in follow_ups:
        int8_answer, float_answer = (engine.answer(q.question, top_k, q.history) for engine in (int8, reference))
        differing += shown(int8_answer) != shown(float_answer)
    return Int8Check(len(questions), differing, instruction_sets())
