"""Find sentence and line boundaries in text, as character spans, without changing it."""

import re

Span = tuple[int, int]

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace and
# something that can open a sentence; common abbreviations do not end one.
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"“‘(\[•*-]?\s*[A-Z0-9])")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|Prof|St|No|Fig|al|approx|Inc|Ltd|Jr|Sr|U\.S)\.|\b[A-Z]\.)$"
)
# The longest abbreviation above ("approx.") and the character before it, for its \b: the window
# searched for one, so a run-on paragraph of abbreviations costs linear time, not quadratic.
_ABBREVIATION_WINDOW = 8
_CLAUSE = re.compile(r"[;,:]\s+|\s+[-–—]\s+")
_SPACE = re.compile(r"\s+")


def line_spans(text: str) -> list[Span]:
    """Spans of the non-blank lines of `text`, each without its surrounding whitespace."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        start, end = _strip(text, match.start(), match.end())
        if start < end:
            spans.append((start, end))
    return spans


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Spans of the sentences inside `text[start:end]`, stripped of surrounding whitespace."""
    spans = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.start() + 1
        if _ABBREVIATIONS.search(text, max(cursor, stop - _ABBREVIATION_WINDOW), stop):  # \b sees text before
            continue
        while stop < end and text[stop] in "\"'”’)]":
            stop += 1
        spans.append(_strip(text, cursor, stop))
        cursor = match.end()
    spans.append(_strip(text, cursor, end))
    return [span for span in spans if span[0] < span[1]]


def split_long(text: str, start: int, end: int, limit: int) -> list[Span]:
    """Cut one over-long sentence into pieces of at most `limit` characters.

    Pieces break after clause punctuation where possible, else at whitespace, and only
    as a last resort inside a word.
    """
    pieces = []
    while end - start > limit:
        window_end = start + limit
        cut = _last_break(_CLAUSE, text, start, window_end) or _last_break(_SPACE, text, start, window_end)
        cut = cut or window_end
        pieces.append(_strip(text, start, cut))
        start = _strip(text, cut, end)[0]
    pieces.append(_strip(text, start, end))
    return [piece for piece in pieces if piece[0] < piece[1]]


def _last_break(pattern: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    best = None
    for match in pattern.finditer(text, start + 1, end):
        if match.end() <= end:
            best = match.end()
    return best


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
