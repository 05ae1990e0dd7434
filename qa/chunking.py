"""Split documents into passages that are exact slices of their text."""

import re
from dataclasses import dataclass
from typing import Literal

from qa.documents import Corpus, Document
from qa.sentences import Span, line_spans, sentence_spans, split_long

CHUNKER_VERSION = "5"
# "helpline": the site's advert for its helpline; "credit": who wrote or reviewed the document;
# "revised": when it was last revised. None is content: they answer only questions about the
# helpline or the document itself.
PassageKind = Literal["content", "reference", "helpline", "credit", "revised"]

_SHORT_LINE = 60
_CITATION = re.compile(
    r"Accessed at|doi:|\bet al\b|\beds?\.|\b(?:19|20)\d\d\s*;\s*\d|\b(?:19|20)\d\d:\d+[-–]\d+"
    r"|Content is no longer available|^[A-Z][\w'’-]+ [A-Z]{1,3}(?:, [A-Z][\w'’-]+ [A-Z]{1,3})*[.,]"
)
_HELPLINE = re.compile(
    r"\bhelpline\b|\blive chat\b|\bcall us\b|\b1-8\d\d-\d{3}-\d{4}\b|any time of day or night", re.IGNORECASE
)
_CREDIT = re.compile(r"^(?:Developed|Written|Reviewed|Prepared) by\b|\bis copyrighted material\b", re.IGNORECASE)
_REVISED = re.compile(r"^Last (?:Revised|Reviewed|Updated)\b", re.IGNORECASE)
# A helpline line is told by its shape only when short: a paragraph that mentions a phone
# number (MedQuAD has 44 such lines) is content.
_CHROME_LINE = 120
_WHOLE: tuple[PassageKind, ...] = ("reference", "helpline")
_MIN_REFERENCE_RUN = 3
_STICKY_PENALTY = 10**9


@dataclass(frozen=True)
class Passage:
    """A verbatim slice `document.text[start:end]` with the sentences inside it."""

    id: str
    document_id: str
    start: int
    end: int
    text: str
    kind: PassageKind
    sentences: tuple[Span, ...]
    lead_in: str | None = None


@dataclass
class _Group:
    kind: PassageKind
    lines: list[Span]


def chunk_corpus(corpus: Corpus, max_chars: int) -> list[Passage]:
    """Every passage of every document, in corpus order."""
    return [passage for doc in corpus for passage in chunk_document(doc, max_chars)]


def chunk_document(doc: Document, max_chars: int) -> list[Passage]:
    """Passages of one document: paragraphs, split on sentences when longer than `max_chars`."""
    passages = []
    for group in _groups(doc):
        units = _units(doc.text, group, max_chars)
        first_sentence = doc.text[units[0][0] : units[0][1]]
        for chunk in _pack(doc.text, units, max_chars):
            start, end = chunk[0][0], chunk[-1][1]
            continued = start != units[0][0] and group.kind == "content"
            passages.append(
                Passage(
                    id=f"{doc.id}:{start}-{end}",
                    document_id=doc.id,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    kind=group.kind,
                    sentences=tuple(chunk),
                    lead_in=first_sentence if continued else None,
                )
            )
    return passages


def _groups(doc: Document) -> list[_Group]:
    """Lines that belong together: lead-ins with what follows, short runs, reference runs."""
    text = doc.text
    boilerplate = {line.strip() for line in doc.boilerplate}
    lines = [span for span in line_spans(text) if text[span[0] : span[1]] not in boilerplate]
    kinds = _line_kinds(text, lines, {line.strip() for line in doc.helpline})
    groups: list[_Group] = []
    for span, kind in zip(lines, kinds, strict=True):
        previous = groups[-1] if groups else None
        # The helpline block and the reference list stay whole; each line about the source stands alone.
        if (
            previous
            and previous.kind == kind
            and (kind in _WHOLE or (kind == "content" and _is_sticky(text, previous.lines[-1])))
        ):
            previous.lines.append(span)
        else:
            groups.append(_Group(kind, [span]))
    return groups


def _line_kinds(text: str, lines: list[Span], helpline: set[str]) -> list[PassageKind]:
    """Mark runs of citation lines (and short lines inside such runs) as references, and the
    page's chrome by its shape (short helpline lines) or the sidecar's list: helpline lines,
    and lines on who developed the document and when it was revised."""
    cites = [bool(_CITATION.search(text[s:e])) for s, e in lines]
    for i in range(1, len(lines) - 1):
        if not cites[i] and cites[i - 1] and cites[i + 1] and lines[i][1] - lines[i][0] <= _SHORT_LINE:
            cites[i] = True
    kinds: list[PassageKind] = ["content"] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and cites[j]:
            j += 1
        if j - i >= _MIN_REFERENCE_RUN:
            kinds[i:j] = ["reference"] * (j - i)
        i = max(j, i + 1)
    for i, (start, end) in enumerate(lines):
        line = text[start:end]
        if kinds[i] == "content" and (line in helpline or (len(line) <= _CHROME_LINE and _HELPLINE.search(line))):
            kinds[i] = "helpline"
        elif kinds[i] == "content" and _CREDIT.search(line):
            kinds[i] = "credit"
        elif kinds[i] == "content" and _REVISED.search(line):
            kinds[i] = "revised"
    return kinds


def _is_sticky(text: str, span: Span) -> bool:
    """A lead-in (ends with ':') or a short line belongs with what follows: a heading, or a
    heading written as a sentence ("Follow-up tests may be needed.")."""
    line = text[span[0] : span[1]]
    return line.endswith(":") or len(line) <= _SHORT_LINE


def _units(text: str, group: _Group, max_chars: int) -> list[Span]:
    """The unbreakable pieces of a group: whole citations, or sentences cut to fit."""
    if group.kind == "reference":
        spans = group.lines
    else:
        spans = [sentence for line in group.lines for sentence in sentence_spans(text, *line)]
    return [piece for span in spans for piece in split_long(text, *span, max_chars)]


def _pack(text: str, units: list[Span], max_chars: int) -> list[list[Span]]:
    """Join consecutive units into as few, as even chunks of <= max_chars as possible.

    Dynamic programming over break points: a chunk costs the square of its unused room,
    which favours fewer chunks and then even ones; breaking right after a lead-in costs
    a large penalty so a line ending in ':' stays with what follows when it can.
    """
    n = len(units)
    best = [0] + [None] * n
    choice = [0] * (n + 1)
    for end in range(1, n + 1):
        for begin in range(end - 1, -1, -1):
            length = units[end - 1][1] - units[begin][0]
            if length > max_chars and end - begin > 1:
                break
            if best[begin] is None:
                continue
            penalty = _STICKY_PENALTY if begin and _is_sticky(text, units[begin - 1]) else 0
            cost = best[begin] + (max_chars - length) ** 2 + penalty  # type: ignore[operator]
            if best[end] is None or cost < best[end]:  # type: ignore[operator]
                best[end], choice[end] = cost, begin
    chunks = []
    end = n
    while end:
        begin = choice[end]
        chunks.append(units[begin:end])
        end = begin
    return chunks[::-1]
