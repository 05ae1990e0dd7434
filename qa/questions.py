"""Make a question safe to process: Unicode NFC, no control characters, single spaces."""

import hashlib
import re
import unicodedata

from qa.errors import QuestionEmpty, QuestionTooLong

_SPACE = re.compile(r"\s+")


def normalize_question(text: str, max_chars: int) -> str:
    """The question as the model sees it; raises when nothing is left or it is too long."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = _SPACE.sub(" ", text).strip()
    if not text:
        raise QuestionEmpty("The question is empty: please type a question.")
    if len(text) > max_chars:
        raise QuestionTooLong(f"The question is {len(text)} characters long; the limit is {max_chars}.")
    return text


def question_hash(text: str) -> str:
    """A short, non-reversible tag that lets logs group repeats without holding the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
