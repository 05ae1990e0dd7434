"""Summaries that echo their document: a "Key Points" list repeats, verbatim, the sentences its sections explain."""

import re
from collections import defaultdict
from collections.abc import Sequence

from qa.chunking import Passage

# A repeated sentence counts only when it says something: headings ("Key Points") and
# short boilerplate repeat without summarizing anything.
_MIN_WORDS = 5
# A summary restates several parts of its document: its sentences appear again in at least
# this many other passages, and those sentences make up at least half of it.
_MIN_ECHOES = 3
_MIN_SHARE = 0.5
_BULLET = re.compile(r"^[\s\-–—•*]+")
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACE.sub(" ", _BULLET.sub("", text)).strip().rstrip(".").lower()


class Echoes:
    """For each summary passage, the other passages of its document that explain its sentences."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        where: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        rows: list[tuple[int, tuple[str, str], int]] = []
        for position, passage in enumerate(passages):
            for start, end in passage.sentences:
                key = (passage.document_id, _key(passage.text[start - passage.start : end - passage.start]))
                rows.append((position, key, start))
                if len(key[1].split()) >= _MIN_WORDS:
                    where[key].append((position, start))
        echoes: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for position, key, start in rows:
            # Another passage with the same sentence at another place: not an overlap of the same text.
            others = tuple(dict.fromkeys(p for p, s in where.get(key, ()) if p != position and s != start))
            if others:
                echoes[position].append(others)
        summaries = {
            position: found
            for position, found in echoes.items()
            if len({others[0] for others in found}) >= _MIN_ECHOES
            and len(found) >= _MIN_SHARE * len(passages[position].sentences)
        }
        self._explaining = {
            position: explaining
            for position, found in summaries.items()
            if (explaining := frozenset(p for others in found for p in others if p not in summaries))
        }

    def explaining(self, position: int) -> frozenset[int]:
        """The passages (positions) that explain what this summary says; empty when it is no summary."""
        return self._explaining.get(position, frozenset())
