"""Where the ranking loses: what each question asks for by its wording, and each miss with what came first."""

import re
from typing import Any

from qa.chunking import Passage

# What a question asks for, by its wording: the first that matches, else "other".
_ANSWER_TYPES = (
    ("duration", re.compile(r"\bhow long\b|\bhow much time\b", re.IGNORECASE)),
    ("number", re.compile(r"\bhow (?:many|often|much)\b", re.IGNORECASE)),
    ("place", re.compile(r"\bwhere\b", re.IGNORECASE)),
    ("reason", re.compile(r"\bwhy\b", re.IGNORECASE)),
    ("time", re.compile(r"\bwhen\b", re.IGNORECASE)),
    ("definition", re.compile(r"^\s*what (?:is|are)\b", re.IGNORECASE)),
    ("yes/no", re.compile(r"^\s*(?:can|could|is|are|does|do|will|should|may)\b", re.IGNORECASE)),
)
# How much of the first excerpt a miss shows.
_FIRST_CHARS = 70


def answer_type(question: str) -> str:
    """What the question asks for by its wording (duration, number, place, reason ...), else "other"."""
    return next((name for name, pattern in _ANSWER_TYPES if pattern.search(question)), "other")


def miss(question_id: str, question: str, style: str, rank: int | None, first: Passage | None) -> dict[str, Any]:
    """An answerable question not answered first: the right passage's rank (None: not in the first 10) and the
    start of the excerpt shown first (None: nothing shown)."""
    return {
        "id": question_id,
        "question": question,
        "style": style,
        "answer_type": answer_type(question),
        "rank": rank,
        "first": None if first is None else {"id": first.id, "text": first.text[:_FIRST_CHARS]},
    }


def miss_order(miss: dict[str, Any]) -> tuple[str, str, int]:
    """Misses grouped by style and answer type, the worst rank last."""
    return miss["style"], miss["answer_type"], miss["rank"] or 1_000
