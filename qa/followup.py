"""Whether a question's history may bear on it at all (qa.conversation says how when it does)."""

from collections.abc import Callable, Sequence

from qa.answer import Answer
from qa.conversation import refers_back
from qa.lexical import STOPWORD_SET
from qa.registry import Snapshot
from qa.spelling import rarity

# A word the corpus never uses names a subject of the question's own when English rarely uses it either
# (-log10 frequency: "tokyo" 6.7, "movies" 4.7, "alcohol" 4.9; "matter" 3.5 and "everyone" 3.5 do not).
_NAMES_A_SUBJECT = 4.5


def stands_alone(
    alone: Answer, before: str, language_of: Callable[[str], str], snapshot: Snapshot, max_chars: int
) -> bool:
    """Whether the question is one its history cannot bear on: too long, in another language, placed
    alone without pointing back, or off-topic.

    `alone` is its answer asked alone, `before` the question before it. With one document in its language,
    a question it answers (or relates to) alone keeps its own passages unless it points back ("how is it
    given?"): "resistance" after a question on injections is a new subject, not a follow-up. Among
    several documents, "What are the symptoms?" answered alone names no document and gets any one's
    symptoms: qa.conversation decides from evidence whether it leans on the question before. A question asked
    alone gets `not_found` when it is off the corpus's subject; unless it points back ("and if it
    can't?") with only words the corpus uses, no history makes it one the corpus answers ("what
    time is it in Tokyo" names what the corpus never does).
    """
    question = alone.question
    if len(question) > max_chars or language_of(before) != alone.language:
        return True
    if alone.status != "not_found":
        return not refers_back(question) and list(snapshot.languages.values()).count(alone.language) == 1
    unknown = snapshot.index.speller.unknown(question, STOPWORD_SET)
    return not refers_back(question) or any(rarity(word) >= _NAMES_A_SUBJECT for word in unknown)


def latest(earlier: Sequence[str], used: int, max_chars: int) -> tuple[list[str], int]:
    """The `used` latest earlier questions (none when 0), and the position of the first of them in the history.

    Each is read up to `max_chars`: by the encoder, keyword search and spelling alike.
    """
    offset = max(0, len(earlier) - used)
    return ([text[:max_chars] for text in earlier[offset:]] if used else []), offset
