"""Build MedQuAD dialogues: "What is (are) X ?", then that document's other questions without X, then a switch.

Deterministic: `python -m bench.medquad.dialogues` rewrites bench/medquad/dialogues-cancergov.jsonl
from questions-cancergov.jsonl (MedQuAD, CC BY 4.0; see this folder's README).
"""

import json
import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent
QUESTIONS = FOLDER / "questions-cancergov.jsonl"
DIALOGUES = FOLDER / "dialogues-cancergov.jsonl"
_OPENING = re.compile(r"^What is \(are\) (?P<topic>.+?) \?$")
FOLLOW_UPS = 4  # with the opening, five turns: the service's default history limit
SEED = 0


def elliptical(question: str, topic: str) -> str:
    """The question with its topic left out: "... of X ?" loses "of X", elsewhere X becomes "it"."""
    name = re.escape(topic)
    short = re.sub(rf"\s+(?:of|for|with|in)\s+{name}\s*", " ", question, flags=re.IGNORECASE)
    if short == question:
        short = re.sub(rf"\b{name}\b", "it", question, flags=re.IGNORECASE)
    return re.sub(r"\s*(?:\?\s*)+$", "?", re.sub(r"\s+", " ", short)).strip()


def turn(
    record: dict[str, Any], question: str, history: list[str], style: str, split: str, dialogue: str
) -> dict[str, Any]:
    """One labelled follow-up: MedQuAD's gold span, our history and style (id: dialogue and turn)."""
    gold = {key: record[key] for key in ("qid", "doc_id", "start", "end", "qtype")}
    ident = f"{dialogue}#{len(history)}"
    return {
        "id": ident,
        **gold,
        "question": question,
        "history": history[-FOLLOW_UPS - 1 :],
        "style": style,
        "split": split,
    }


def build(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per document: follow-ups, a switch to another document, and that document's first follow-up."""
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_doc[record["doc_id"]].append(record)
    dialogues = []
    for doc_id, items in by_doc.items():
        opening = next((r for r in items if _OPENING.match(r["question"].strip())), None)
        others = [r for r in items if r is not opening and r["question"] != (opening or {}).get("question")]
        if opening and others:
            dialogues.append((doc_id, opening, others))
    rng = random.Random(SEED)
    out = []
    for position, (_, opening, others) in enumerate(dialogues):
        split = "train" if position % 2 == 0 else "test"
        topic = _topic(opening)
        history = [opening["question"]]
        for record in others[:FOLLOW_UPS]:
            question = elliptical(record["question"], topic)
            out.append(turn(record, question, history, "followup", split, opening["doc_id"]))
            history.append(question)
        _, new_opening, new_others = rng.choice([d for d in dialogues if _topic(d[1]) != topic])
        out.append(turn(new_opening, new_opening["question"], history, "switch", split, opening["doc_id"]))
        history.append(new_opening["question"])
        question = elliptical(new_others[0]["question"], _topic(new_opening))
        out.append(turn(new_others[0], question, history, "followup after switch", split, opening["doc_id"]))
    return out


def _topic(opening: dict[str, Any]) -> str:
    match = _OPENING.match(opening["question"].strip())
    assert match is not None
    return match["topic"]


def main() -> None:
    records = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    turns = build(records)
    DIALOGUES.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in turns), encoding="utf-8")
    print(f"{len(turns)} labelled turns -> {DIALOGUES}")


if __name__ == "__main__":
    main()
