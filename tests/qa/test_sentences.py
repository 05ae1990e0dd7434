"""Sentence and line boundaries are found as spans, without changing the text."""

import itertools

import pytest

from qa.sentences import line_spans, sentence_spans, split_long


def visible(text: str) -> str:
    return "".join(text.split())


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text, 0, len(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four.", ["One.", "Two!", "Three?", "Four."]),
        # Curly quotes inside and around sentences: the closing quote stays with its sentence.
        (
            "It recognizes it as “foreign,” then raises an alarm. “This is quoted.” Then next.",
            ["It recognizes it as “foreign,” then raises an alarm.", "“This is quoted.”", "Then next."],
        ),
        ("It doesn’t work. It’s new.", ["It doesn’t work.", "It’s new."]),
        (
            "Is it safe? Yes! It is (mostly). [Really.] Next one.",
            ["Is it safe?", "Yes!", "It is (mostly).", "[Really.]", "Next one."],
        ),
        # Abbreviations, initials and decimals do not end a sentence.
        (
            "Take 2.5 mg daily. See Dr. Smith in St. Louis, e.g. on Monday.",
            ["Take 2.5 mg daily.", "See Dr. Smith in St. Louis, e.g. on Monday."],
        ),
        (
            "Lu L, Zhan M, et al. Clinically approved. Curr Res Immuno.",
            ["Lu L, Zhan M, et al. Clinically approved.", "Curr Res Immuno."],
        ),
        # A bullet ("- ", "• ", "* ") after a period opens a new sentence; a lone lower-case letter does not.
        (
            "Key points. - There are types. - The treatment has phases.",
            ["Key points.", "- There are types.", "- The treatment has phases."],
        ),
        ("One. • Two. * Three.", ["One.", "• Two.", "* Three."]),
        ("Stage pT2. aN0 is next.", ["Stage pT2. aN0 is next."]),
        # A lower-case word after a period is not a new sentence.
        (
            "Handle it like other hazardous drugs . and more. Done.",
            ["Handle it like other hazardous drugs . and more.", "Done."],
        ),
        ("A sentence without an end", ["A sentence without an end"]),
        ("  padded sentence.  ", ["padded sentence."]),
        ("", []),
        ("   \t ", []),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_spans_stay_inside_the_window() -> None:
    text = "Before. Inside one. Inside two. After."
    start, end = text.index("Inside one"), text.index(" After")
    assert [text[s:e] for s, e in sentence_spans(text, start, end)] == ["Inside one.", "Inside two."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first\nsecond", ["first", "second"]),
        ("  first line  \r\n\r\n\tsecond\r\n", ["first line", "second"]),
        ("\n\n\n", []),
        ("", []),
        ("only", ["only"]),
    ],
)
def test_line_spans_skip_blank_lines_and_strip_whitespace(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in line_spans(text)] == expected


def test_split_long_leaves_a_short_sentence_whole() -> None:
    text = "A short sentence."
    assert split_long(text, 0, len(text), 100) == [(0, len(text))]


@pytest.mark.parametrize(
    ("text", "limit", "last_chars"),
    [
        # Clause punctuation is preferred ...
        ("alpha beta, gamma delta; epsilon zeta: eta theta, iota kappa; lambda mu nu.", 30, ",;:,"),
        # ... then whitespace ...
        ("word " * 60, 50, None),
        # ... and only then a cut inside a word.
        ("x" * 250, 100, None),
    ],
)
def test_split_long_pieces_fit_and_cover_the_sentence(text: str, limit: int, last_chars: str | None) -> None:
    end = len(text.rstrip())
    pieces = split_long(text, 0, end, limit)
    assert len(pieces) > 1
    assert all(0 < e - s <= limit for s, e in pieces)
    assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(pieces))
    # Nothing but whitespace is lost between pieces.
    assert visible("".join(text[s:e] for s, e in pieces)) == visible(text)
    if last_chars:
        assert all(text[e - 1] in last_chars for _, e in pieces[:-1])


def test_split_long_cuts_words_only_as_a_last_resort() -> None:
    text = "word " * 60
    pieces = split_long(text, 0, len(text.rstrip()), 50)
    assert all(text[s:e].split(" ") == ["word"] * len(text[s:e].split(" ")) for s, e in pieces)
