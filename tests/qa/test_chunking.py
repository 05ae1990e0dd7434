"""Passages are verbatim slices that keep sentences, lead-ins and the reference list whole."""

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from qa.chunking import Passage, chunk_corpus, chunk_document
from qa.documents import Document, load_corpus
from qa.settings import Settings

_CLOSERS = "\"'”’)]"
_CHROME = (
    "Español",
    "PDFs by language",
    "Sign up to stay up-to-date with news, valuable information, and ways to get involved"
    " with the American Cancer Society.",
    "American Cancer Society medical information is copyrighted material."
    " For reprint requests, please see our Content Usage Policy.",
)
# 1-based line numbers of the article's reference list (see /work/shared/corpus/README.md).
_REFERENCE_LINES = range(52, 75)


@pytest.fixture(scope="module")
def article(settings: Settings) -> Document:
    return load_corpus(settings.corpus).get("acs-immunotherapy")


@pytest.fixture(scope="module")
def passages(settings: Settings, article: Document) -> list[Passage]:
    return chunk_document(article, settings.max_passage_chars)


def starts_sentence(text: str, start: int) -> bool:
    """Independent of the chunker: the text before `start` ends a line or a sentence."""
    before = text[:start].rstrip(" \t")
    while before and before[-1] in _CLOSERS:
        before = before[:-1]
    return not before or before[-1] in "\n.!?"


def ends_sentence(text: str, end: int) -> bool:
    """Independent of the chunker: `end` is a line end, or follows . ! ? (and closing quotes)."""
    if not text[end:].lstrip(" \t\r") or text[end:].lstrip(" \t\r").startswith("\n"):
        return True
    before = text[:end]
    while before and before[-1] in _CLOSERS:
        before = before[:-1]
    return bool(before) and before[-1] in ".!?"


def assert_verbatim(doc: Document, passages: list[Passage], max_chars: int) -> None:
    """Every passage is an exact, stripped, in-order slice that fits, with its sentences inside it."""
    previous_end = 0
    for passage in passages:
        assert passage.document_id == doc.id
        assert passage.text == doc.text[passage.start : passage.end]
        assert passage.text and passage.text == passage.text.strip()
        assert len(passage.text) <= max_chars
        assert passage.start >= previous_end
        assert all(passage.start <= s < e <= passage.end for s, e in passage.sentences)
        previous_end = passage.end
    assert len({p.id for p in passages}) == len(passages)


def visible(text: str) -> str:
    return "".join(text.split())


def line_span(text: str, number: int) -> tuple[int, int]:
    """Offsets of the 1-based line `number` of `text`, without its line ending."""
    start = 0
    for _ in range(number - 1):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    return start, len(text) if end == -1 else end


def test_every_passage_of_the_corpus_is_verbatim(settings: Settings) -> None:
    corpus = load_corpus(settings.corpus)
    passages = chunk_corpus(corpus, settings.max_passage_chars)
    assert len(passages) > 40
    for doc in corpus:
        assert_verbatim(doc, [p for p in passages if p.document_id == doc.id], settings.max_passage_chars)


def test_passages_cover_all_the_article_but_its_page_chrome(article: Document, passages: list[Passage]) -> None:
    text = article.text
    for line in _CHROME:
        text = text.replace(line, "")
    assert "".join(visible(p.text) for p in passages) == visible(text)


def test_passages_start_and_end_on_sentence_boundaries(article: Document, passages: list[Passage]) -> None:
    for passage in passages:
        assert starts_sentence(article.text, passage.start), passage.text[:60]
        assert ends_sentence(article.text, passage.end), passage.text[-60:]


@pytest.mark.parametrize("chrome", _CHROME)
def test_page_chrome_is_in_no_passage(passages: list[Passage], chrome: str) -> None:
    assert not [p.id for p in passages if chrome in p.text]


def test_lead_in_lines_of_the_article_stay_with_what_follows(article: Document, passages: list[Passage]) -> None:
    lead_ins = [line for line in article.text.split("\n") if line.endswith(":") and line not in article.helpline]
    assert len(lead_ins) >= 8
    for line in lead_ins:
        start = article.text.index(line)
        (holder,) = [p for p in passages if p.start <= start < p.end]
        assert not holder.text.endswith(":"), line
        assert holder.end > start + len(line)


def test_the_reference_list_and_only_it_is_of_kind_reference(article: Document, passages: list[Passage]) -> None:
    first, last = line_span(article.text, _REFERENCE_LINES[0])[0], line_span(article.text, _REFERENCE_LINES[-1])[1]
    references = [p for p in passages if p.kind == "reference"]
    assert references and all(p.kind != "reference" for p in passages if p not in references)
    assert (references[0].start, references[-1].end) == (first, last)
    assert all(first <= p.start and p.end <= last for p in references)
    assert not [p for p in passages if p.kind == "content" and first <= p.start < last]


def test_chunking_is_deterministic(article: Document, passages: list[Passage]) -> None:
    assert chunk_document(article, 600) == passages


def doc(text: str) -> Document:
    return Document(id="doc", text=text)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\r\n\t \r\n"])
def test_an_empty_document_has_no_passages(text: str) -> None:
    assert chunk_document(doc(text), 600) == []


def test_curly_quotes_are_kept_verbatim_and_do_not_split_sentences() -> None:
    sentences = [
        "When it finds something that it either doesn’t recognize, or recognizes as “foreign,” "
        "the immune system raises an alarm and attacks it.",
        "This is called the immune response.",
        "“Quoted sentences” count too.",
        "‘Single ones’ as well.",
    ]
    text = " ".join(sentences)
    passages = chunk_document(doc(text), 150)
    assert_verbatim(doc(text), passages, 150)
    assert [text[s:e] for p in passages for s, e in p.sentences] == sentences


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("max_chars", [100, 600])
def test_a_lead_in_colon_stays_with_the_next_line(newline: str, max_chars: int) -> None:
    text = newline.join(
        [
            "Immunotherapy can cause side effects, and most of them are mild ones.",
            "Some general side effects of immunotherapy include:",
            "Tiredness, fever and rash are common.",
            "Tell your team about any new symptom, even one that seems small to you.",
        ]
    )
    passages = chunk_document(doc(text), max_chars)
    assert_verbatim(doc(text), passages, max_chars)
    (holder,) = [p for p in passages if "include:" in p.text]
    assert holder.text.startswith("Some general side effects")
    assert ("include:" + newline + "Tiredness") in holder.text


def test_a_short_heading_sentence_stays_with_the_paragraph_it_heads() -> None:
    heading = "Follow-up tests may be needed."
    paragraph = (
        "Some of the tests that were done to diagnose the cancer may be repeated to see how well the treatment works."
    )
    text = f"Earlier paragraph about something else, long enough to stand on its own.\n{heading}\n{paragraph}"
    passages = chunk_document(doc(text), 600)
    assert_verbatim(doc(text), passages, 600)
    assert [p.text for p in passages][-1] == f"{heading}\n{paragraph}"


def test_a_heading_is_never_a_passage_alone_before_a_long_bullet_line() -> None:
    bullets = " ".join(f"- Point number {i} says something about the treatment." for i in range(20))
    text = "Key Points\n" + bullets
    passages = chunk_document(doc(text), 600)
    assert_verbatim(doc(text), passages, 600)
    assert passages[0].text.startswith("Key Points\n- Point number 0 says")
    assert all(p.text.startswith("- Point number") for p in passages[1:])


def test_a_lead_in_colon_joins_the_first_part_of_a_long_paragraph() -> None:
    sentence = "Immunotherapy helps the immune system find cancer cells and attack them. "
    text = "Side effects include:\n" + sentence * 12
    passages = chunk_document(doc(text), 600)
    assert_verbatim(doc(text), passages, 600)
    assert len(passages) > 1
    assert passages[0].text.startswith("Side effects include:\nImmunotherapy helps")
    assert all(p.lead_in == "Side effects include:" for p in passages[1:])


@pytest.mark.parametrize("max_chars", [100, 250, 600])
def test_one_very_long_paragraph_is_split_between_sentences(max_chars: int) -> None:
    text = " ".join(f"Sentence number {i} tells something about immunotherapy." for i in range(120))
    passages = chunk_document(doc(text), max_chars)
    assert_verbatim(doc(text), passages, max_chars)
    assert len(passages) >= len(text) // max_chars
    assert "".join(visible(p.text) for p in passages) == visible(text)
    for passage in passages:
        assert passage.text.startswith("Sentence number ") and passage.text.endswith("immunotherapy.")
    # A continuation carries the paragraph's first sentence as context, not as text.
    assert passages[0].lead_in is None
    assert all(p.lead_in == "Sentence number 0 tells something about immunotherapy." for p in passages[1:])


@pytest.mark.parametrize(
    "sentence",
    [
        "an over-long sentence, with clauses; and more clauses: and still more, " * 20,
        "word " * 300,
        "x" * 1500,
    ],
)
def test_a_single_over_long_sentence_is_the_only_thing_cut(sentence: str) -> None:
    text = "A short opening sentence. " + sentence.strip() + ". A short closing sentence."
    passages = chunk_document(doc(text), 200)
    assert_verbatim(doc(text), passages, 200)
    assert "".join(visible(p.text) for p in passages) == visible(text)
    assert passages[-1].text.endswith("A short closing sentence.")
    assert passages[0].text.startswith("A short opening sentence.")


def test_windows_line_endings_are_kept_verbatim() -> None:
    first = "The first paragraph is long enough to stand as a paragraph on its own."
    second = "The second paragraph has two sentences, and it is long too. Yes."
    text = f"{first}\r\n{second}\r\n\r\nThird one:\r\nFourth.\r\n"
    passages = chunk_document(doc(text), 100)
    assert_verbatim(doc(text), passages, 100)
    assert [p.text for p in passages] == [first, second, "Third one:\r\nFourth."]
    assert not any(p.text.endswith("\r") or p.text.startswith("\n") for p in passages)


def test_boilerplate_lines_are_dropped_only_as_whole_lines() -> None:
    text = "Español\nEspañol is the Spanish word for Spanish.\nPDFs by language"
    document = Document(id="doc", text=text, boilerplate=("Español", "PDFs by language"))
    assert [p.text for p in chunk_document(document, 600)] == ["Español is the Spanish word for Spanish."]


_AWKWARD = st.text(st.sampled_from([*list("abcXYZ 019.,;:!?“”‘’\"'()-–\r\n\t"), "é", "\xa0", "\u2028"]), max_size=1500)


@hypothesis_settings(max_examples=300, deadline=None)
@given(text=_AWKWARD, max_chars=st.integers(100, 700))
def test_any_text_gives_verbatim_passages_covering_it(text: str, max_chars: int) -> None:
    passages = chunk_document(doc(text), max_chars)
    assert_verbatim(doc(text), passages, max_chars)
    assert "".join(visible(p.text) for p in passages) == visible(text)


def test_the_articles_helpline_block_and_lines_about_it_are_not_content(article: Document) -> None:
    passages = chunk_document(article, 600)
    kinds = {kind: [p.text for p in passages if p.kind == kind] for kind in ("helpline", "credit", "revised")}
    helpline = visible("".join(kinds["helpline"]))
    for line in article.helpline:
        assert visible(line) in helpline
    assert [text.split(" ", 2)[:2] for text in kinds["credit"]] == [["Developed", "by"]]
    assert kinds["revised"] == ["Last Revised: August 7, 2025"]
    content = "\n".join(p.text for p in passages if p.kind == "content")
    assert "1-800-227-2345" not in content and "Live Chat" not in content


def test_chrome_is_recognised_by_its_shape_without_a_sidecar() -> None:
    lines = [
        "Our helpline answers questions about cancer.",
        "Live Chat available weekdays",
        "Immunotherapy helps the immune system find and attack cancer cells. It is given in cycles.",
        "Written by the editorial team.",
        "Last Updated: May 1, 2024",
    ]
    kinds = [p.kind for p in chunk_document(doc("\n".join(lines)), 600)]
    assert kinds == ["helpline", "content", "credit", "revised"]


def test_the_sidecar_names_helpline_lines_that_have_no_telltale_shape() -> None:
    text = "We are here for you.\nImmunotherapy helps the immune system find and attack cancer cells."
    document = Document(id="doc", text=text, helpline=("We are here for you.",))
    assert [(p.kind, p.text) for p in chunk_document(document, 600)] == [
        ("helpline", "We are here for you."),
        ("content", "Immunotherapy helps the immune system find and attack cancer cells."),
    ]


def test_a_paragraph_that_mentions_a_phone_number_stays_content() -> None:
    text = (
        "Most people with Alzheimer's disease are cared for at home by family members, and many caregivers find it"
        " hard to ask for help; the Eldercare Locator helpline at 1-800-677-1116 can point them to local services."
    )
    assert [p.kind for p in chunk_document(doc(text), 600)] == ["content"]
