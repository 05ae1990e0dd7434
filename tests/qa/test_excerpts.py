"""Excerpts that follow the answer (qa.excerpts): one verbatim slice within the limit, on the real model and index."""

import itertools

import pytest

from qa.answer import AnswerPassage
from qa.engine import Engine, load_engine
from qa.excerpts import Excerpts
from qa.index import Index
from qa.int8_check import CheckQuestion, compare
from qa.settings import Settings

CYCLE = "How often is immunotherapy given, and what exactly is a cycle?"
CURE = "Can immunotherapy cure my cancer?"
PILL = "Can I take immunotherapy as a pill?"
QUESTIONS = [
    CYCLE,
    CURE,
    PILL,
    "cure possible?",
    "are the side effects the same ones people get from chemo",
    "what happens if the side effects get really rough",
    "helpline phone number",
]


@pytest.fixture(scope="module")
def joined(settings: Settings, index: Index, service: Engine) -> Engine:
    return load_engine(settings.model_copy(update={"cache_size": 0}), index, encoder=service.encoder.encoder)


@pytest.fixture(scope="module")
def unjoined(settings: Settings, index: Index, service: Engine) -> Engine:
    plain = settings.model_copy(update={"cache_size": 0, "excerpt_max_chars": 0})
    return load_engine(plain, index, encoder=service.encoder.encoder)


def _next_in_source(index: Index, first: AnswerPassage, other: AnswerPassage) -> bool:
    ids = [p.id for p in index.passages]
    return ids.index(other.id) == ids.index(first.id) + 1


def test_the_next_passage_ranked_second_is_joined_into_one_verbatim_excerpt(
    joined: Engine, unjoined: Engine, index: Index
) -> None:
    alone, second, *_ = unjoined.answer(CYCLE).passages
    assert _next_in_source(index, alone, second)  # how often, then the schedule: one answer over two passages
    answer = joined.answer(CYCLE)
    first = answer.passages[0]
    text = index.corpus.get(first.document_id).text
    assert first.start == alone.start and alone.end < first.end <= second.end
    assert first.text == text[first.start : first.end] and first.id == f"{first.document_id}:{first.start}-{first.end}"
    assert len(first.text) <= joined.settings.excerpt_max_chars
    assert "A cycle includes one or more doses followed by a break" in first.text
    assert "your treatment plan will say how often" in first.text
    # The neighbour is shown once, inside the excerpt, and the answer still shows top_k excerpts.
    assert second.id not in {p.id for p in answer.passages} and len(answer.passages) == len(
        unjoined.answer(CYCLE).passages
    )


def test_a_passage_that_points_back_is_shown_with_the_paragraph_before(joined: Engine, unjoined: Engine) -> None:
    # The example: "If a cure isn't possible ..." led alone, harsh and wrong for a frightened reader.
    assert unjoined.answer(CURE).passages[0].text.startswith("If a cure isn’t possible")
    first = joined.answer(CURE).passages[0]
    assert first.text.startswith("Whenever possible, the goal is to cure the cancer")
    assert "If a cure isn’t possible, immunotherapy might be used" in first.text
    assert len(first.text) <= joined.settings.excerpt_max_chars


def test_the_pill_question_does_not_open_with_the_injection_paragraph(
    joined: Engine, unjoined: Engine, index: Index
) -> None:
    # The injection paragraph comes just before the pill paragraph and ranks second: joining backwards
    # whatever the first passage says would open the answer with it.
    first, second, *_ = unjoined.answer(PILL).passages
    assert _next_in_source(index, second, first) and "injection" in second.text
    shown = joined.answer(PILL).passages[0]
    assert shown.text.startswith("Oral immunotherapy is taken by mouth as a pill")
    assert "injection" not in shown.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_excerpt_is_a_verbatim_slice_within_the_limit_around_the_passage_ranked_first(
    joined: Engine, unjoined: Engine, index: Index, question: str
) -> None:
    answer, plain = joined.answer(question, top_k=5), unjoined.answer(question, top_k=5)
    assert answer.status == plain.status
    first, alone = answer.passages[0], plain.passages[0]
    assert first.document_id == alone.document_id and first.start <= alone.start and alone.end <= first.end
    # A passage left out is one joined into the first excerpt (two helpline passages make one).
    shown = {p.id for p in answer.passages}
    for left_out in (p for p in plain.passages if p.id not in shown):
        assert left_out.document_id == first.document_id and first.start < left_out.end and left_out.start < first.end
    for excerpt in answer.passages:
        assert excerpt.text == index.corpus.get(excerpt.document_id).text[excerpt.start : excerpt.end]
        assert len(excerpt.text) <= joined.settings.excerpt_max_chars
    # Nothing is shown twice: the excerpts do not overlap.
    spans = sorted((p.document_id, p.start, p.end) for p in answer.passages)
    assert all(a[0] != b[0] or a[2] <= b[1] for a, b in itertools.pairwise(spans))


def test_a_limit_of_zero_shows_passages_as_chunked(unjoined: Engine, index: Index) -> None:
    passages = {p.id for p in index.passages}
    for question in QUESTIONS:
        assert {p.id for p in unjoined.answer(question, top_k=5).passages} <= passages


def test_a_neighbour_joins_only_when_its_best_sentence_fits_in_the_limit(unjoined: Engine, index: Index) -> None:
    [evidence] = unjoined.evidence([CYCLE], 3)
    first, second = evidence.hits[0], evidence.hits[1]
    needed = second.best_sentence[1] - first.passage.start
    assert Excerpts(index, needed - 1).excerpt(first.passage, second) is first.passage
    excerpt = Excerpts(index, needed).excerpt(first.passage, second)
    assert (excerpt.start, excerpt.end) == (first.passage.start, second.best_sentence[1])


def test_the_int8_check_compares_where_the_first_excerpt_is(joined: Engine, unjoined: Engine) -> None:
    # The same first passage, shown alone or with the paragraph before it: the check must tell them apart.
    question = [CheckQuestion(CURE)]
    assert compare(joined, unjoined, question, 3).differing == 1
    assert compare(joined, joined, question, 3).differing == 0
