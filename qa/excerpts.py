"""Excerpts that follow the answer: the first passage joined with the text it leads into or points back at."""

import re
from dataclasses import replace
from itertools import pairwise

from qa.chunking import Passage
from qa.evidence import Hit
from qa.index import Index

# Hits searched beyond those shown: the passages joined into the first excerpt (at most the next one and the
# one before) leave the list.
SPARE = 2
# A passage that opens by pointing back at the paragraph before it ("If a cure isn't possible, ...").
_POINTS_BACK = re.compile(
    r"(?:If (?:a|an|the|this|that|it) \w+ (?:isn|is not|doesn|does not|can)|Still,|However,|But |This |These |That "
    r"|Instead,|Otherwise,|There may be times, though)"
)


class Excerpts:
    """What a reader sees of a build's ranked hits: the first passage as one verbatim excerpt of at most
    `max_chars` (0: passages as chunked), joined with

    - the next passage of the source, when that passage is ranked second: its sentences up to its best one;
    - the paragraph just before, when the first passage opens by pointing back at it.

    Only the first excerpt grows; ranking, refusal and every signal stay those of the passages.
    """

    def __init__(self, index: Index, max_chars: int) -> None:
        self.max_chars = max_chars
        self._corpus = index.corpus
        passages = index.passages
        # Each passage's predecessor in its document, when both are of one kind (content follows content).
        self._before = {p.id: q for q, p in pairwise(passages) if q.document_id == p.document_id and q.kind == p.kind}

    def shown(self, hits: list[Hit]) -> list[Hit]:
        """The hits as shown: the first with its excerpt; a later hit whose best sentence the excerpt shows
        leaves the list (so search SPARE more hits than are shown)."""
        if not self.max_chars or not hits:
            return hits
        first = hits[0]
        excerpt = self.excerpt(first.passage, hits[1] if len(hits) > 1 else None)
        if excerpt is first.passage:
            return hits
        shift = first.passage.start - excerpt.start
        highlights = tuple((start + shift, end + shift) for start, end in first.highlights)
        joined = replace(first, excerpt=excerpt, highlights=highlights)
        return [joined, *(hit for hit in hits[1:] if not shows(excerpt, hit))]

    def excerpt(self, first: Passage, second: Hit | None) -> Passage:
        """The first passage joined with what follows it (`second`, when it is the next passage) and with the
        paragraph it points back at, as one slice of its document; `first` itself when nothing joins."""
        text = self._corpus.get(first.document_id).text
        start, end = first.start, first.end
        parts = [first]
        if second is not None and _next_to(first, second.passage, text):
            best = second.best_sentence[1]
            if best - start <= self.max_chars:
                end = best
                parts.append(second.passage)
        before = self._before.get(first.id)
        if before is not None and _POINTS_BACK.match(first.text) and not text[before.end : first.start].strip():
            paragraph = _last_paragraph(before, text)
            if end - paragraph <= self.max_chars:
                start = paragraph
                parts.append(before)
        if (start, end) == (first.start, first.end):
            return first
        inside = sorted({span for p in parts for span in p.sentences if start <= span[0] and span[1] <= end})
        return replace(
            first,
            id=f"{first.document_id}:{start}-{end}",
            start=start,
            end=end,
            text=text[start:end],
            sentences=tuple(inside),
            lead_in=first.lead_in if start == first.start else None,
        )


def shows(excerpt: Passage, hit: Hit) -> bool:
    """Whether the excerpt shows the hit's best sentence."""
    start, end = hit.best_sentence
    return excerpt.document_id == hit.passage.document_id and excerpt.start <= start and end <= excerpt.end


def _next_to(first: Passage, other: Passage, text: str) -> bool:
    """Whether `other` follows `first` in their document with only whitespace between, and is of its kind."""
    return (
        other.document_id == first.document_id
        and other.kind == first.kind
        and other.start >= first.end
        and not text[first.end : other.start].strip()
    )


def _last_paragraph(passage: Passage, text: str) -> int:
    """Where the passage's last paragraph (its last line of sentences) starts, in document offsets."""
    line = text.rfind("\n", 0, passage.sentences[-1][0]) + 1
    return next(span[0] for span in passage.sentences if span[0] >= line)
