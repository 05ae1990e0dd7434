"""Property tests: the chunker's verbatim invariant, question normalization, and an answer path that never crashes."""

import string
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qa.chunking import chunk_document
from qa.documents import Document
from qa.engine import Engine
from qa.errors import QuestionEmpty, QuestionError, QuestionTooLong
from qa.questions import normalize_question, question_hash

_SEPARATORS = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\n\n", "\r\n\r\n", ". ", "? ", ": ", "; ", ", ", " - ", "\u00a0", "\u2028"]
)
_WORDS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=25)
_PROSE = st.lists(st.tuples(_WORDS, _SEPARATORS).map("".join), max_size=300).map("".join)
DOCUMENT_TEXT = st.one_of(
    st.text(),  # anything at all, mostly short
    _PROSE,  # words and sentence, clause and line breaks, up to a few thousand characters
    st.text(st.sampled_from(" \t\r\n\u00a0\u2028\u3000")),  # empty or whitespace only
    st.builds(lambda word, times: word * times, _WORDS, st.integers(100, 400)),  # one very long line
)
QUESTION_TEXT = st.one_of(st.text(max_size=1200), st.text(st.characters(codec="utf-8"), max_size=50), _PROSE)


@settings(max_examples=300, deadline=None)
@given(text=DOCUMENT_TEXT, max_chars=st.integers(100, 800))
def test_passages_are_verbatim_and_lose_only_whitespace(text: str, max_chars: int) -> None:
    passages = chunk_document(Document(id="doc", text=text), max_chars)
    cursor = 0
    for passage in passages:
        assert passage.text == text[passage.start : passage.end]
        assert 0 < len(passage.text) <= max_chars
        assert passage.text == passage.text.strip()
        assert text[cursor : passage.start].strip() == ""  # in order, and only whitespace between
        assert all(passage.start <= start < end <= passage.end for start, end in passage.sentences)
        cursor = passage.end
    assert text[cursor:].strip() == ""
    assert _ink(text) == "".join(_ink(passage.text) for passage in passages)


def _ink(text: str) -> str:
    """The text without its whitespace."""
    return "".join(text.split())


@given(text=st.text())
@example(text="e\u200b\u0301")  # a format character between a letter and its accent
def test_normalized_question_is_nfc_without_controls_or_extra_spaces(text: str) -> None:
    try:
        question = normalize_question(text, 1000)
    except QuestionError:
        return
    assert unicodedata.is_normalized("NFC", question)
    assert not any(unicodedata.category(ch).startswith("C") for ch in question)
    assert question == " ".join(question.split())
    assert not any(ch.isspace() and ch != " " for ch in question)
    assert normalize_question(question, 1000) == question  # idempotent


@given(words=st.lists(st.text(string.ascii_letters + string.digits + "?'", min_size=1), min_size=1), gaps=st.data())
def test_plain_question_only_loses_extra_whitespace(words: list[str], gaps: st.DataObject) -> None:
    spaced = "".join(word + gaps.draw(st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\x00 "])) for word in words)
    assert normalize_question(spaced, 10**6) == " ".join(words)


@given(text=st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"])))
def test_invisible_question_is_empty(text: str) -> None:
    with pytest.raises(QuestionEmpty):
        normalize_question(text, 1000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e\u0301", "\u00e9"),  # composed to NFC
        ("e\u200b\u0301", "\u00e9"),  # a format character removed, then composed
        ("  what\u00a0is\r\n\tit?\x07 ", "what is it?"),
        ("\u202eevil\u202c text", "evil text"),  # bidirectional overrides removed
    ],
)
def test_normalization_examples(text: str, expected: str) -> None:
    assert normalize_question(text, 1000) == expected


def test_limit_holds_after_normalization() -> None:
    """U+0958 has no composed form, so NFC doubles a question made of it."""
    assert len(unicodedata.normalize("NFC", "\u0958")) == 2
    with pytest.raises(QuestionTooLong):
        normalize_question("\u0958" * 600, 1000)
    assert normalize_question("a" * 1000 + "   ", 1000) == "a" * 1000


@given(text=st.text(min_size=1), key=st.binary(min_size=1), other=st.binary(min_size=1))
def test_question_hash_is_short_stable_and_keyed(text: str, key: bytes, other: bytes) -> None:
    tag = question_hash(text, key)
    assert tag == question_hash(text, key)
    assert len(tag) == 12 and set(tag) <= set(string.hexdigits.lower())
    # HMAC pads a short key with zero bytes, so keys that differ only in trailing zeros are one key.
    if other.rstrip(b"\0") != key.rstrip(b"\0"):
        assert question_hash(text, other) != tag


@settings(max_examples=150, deadline=None)
@given(question=QUESTION_TEXT, top_k=st.integers(1, 10))
def test_any_question_gets_an_answer_or_a_question_error(service: Engine, question: str, top_k: int) -> None:
    try:
        answer = service.answer(question, top_k)
    except QuestionError:
        return
    documents = service.index.corpus.documents
    assert len(answer.passages) <= top_k
    assert answer.answered == (answer.status == "answered")
    assert bool(answer.passages) == (answer.status in ("answered", "related"))
    assert answer.helpline["phone"] == "1-800-227-2345"
    for passage in answer.passages:
        assert passage.text == documents[passage.document_id].text[passage.start : passage.end]
