"""Make a question safe to process: Unicode NFC, no control characters, single spaces."""

import hashlib
import hmac
import re
import unicodedata

from qa.errors import QuestionEmpty, QuestionTooLong

_SPACE = re.compile(r"\s+")
_PART_BREAK = re.compile(
    r"\?\s*|\s*;\s*|,?\s+(?:and|also|plus)\s+(?=(?:what|how|can|could|is|are|does|do|will|would|should|when|why|who|which|where)\b)",
    re.IGNORECASE,
)


def normalize_question(text: str, max_chars: int) -> str:
    """The question as the model sees it; raises when nothing is left or it is too long."""
    # Invisible characters go before composing: one between a letter and its accent would keep them apart.
    # Printable text (no control, format or other invisible character, no space but " ") has none to remove.
    if not text.isprintable():
        text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not text:
        raise QuestionEmpty("The question is empty: please type a question.")
    if len(text) > max_chars:
        raise QuestionTooLong(f"The question is {len(text)} characters long; the limit is {max_chars}.")
    return text


def question_hash(text: str, key: bytes) -> str:
    """A short tag that lets logs group repeats without holding the text.

    It is keyed (HMAC-SHA-256): without the key, a reader of the logs cannot confirm a
    guessed question ("do I have cancer") by hashing it.
    """
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def question_parts(question: str, max_parts: int) -> list[str]:
    """The question followed by its first `max_parts` sub-questions when it asks several things at once.

    Each part costs an encoder pass and a search, so the cap bounds the work of one request.
    """
    parts = [part.strip(" ,") for part in _PART_BREAK.split(question)]
    parts = [part for part in parts if len(part.split()) >= 2]
    return [question, *parts[:max_parts]] if len(parts) > 1 and max_parts > 0 else [question]


def encoder_inputs(parts: list[str], max_chars: int) -> list[str]:
    """What the encoder sees of `parts` (the question, then its sub-questions): `max_chars` in all at most.

    A question alone is cut to `max_chars`; one with sub-questions to half of it, and its
    sub-questions fill the rest in order (those that no longer fit are left out). Cuts fall
    between words.
    """
    whole = _cut(parts[0], max_chars if len(parts) == 1 else max_chars // 2)
    kept, room = [whole], max_chars - len(whole)
    for part in parts[1:]:
        if len(part) > room:
            break
        kept.append(part)
        room -= len(part)
    return kept


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    head = text[: max_chars + 1]
    return head[: head.rfind(" ")] if " " in head else head[:max_chars]
