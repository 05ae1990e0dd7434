"""Typo correction against the article's own vocabulary: misspellings fixed, real words kept."""

import pytest

from qa.engine import Engine
from qa.index import Index


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("side efects of imunotherapy", "side effects of immunotherapy"),
        ("can i tak it as a pil", "can i take it as a pill"),
        ("can u get it at hme", "can u get it at home"),
        ("how lng does it last", "how long does it last"),
        ("wich type wil they use", "which type will they use"),
    ],
)
def test_misspelled_words_become_the_articles_words(index: Index, typed: str, corrected: str) -> None:
    assert index.speller.correct(typed) == corrected


@pytest.mark.parametrize("question", ["are IVs painful", "what about TILs", "is chemo safer", "cost of CAR T", "ok"])
def test_real_words_and_plurals_of_article_words_are_left_alone(index: Index, question: str) -> None:
    assert index.speller.correct(question) == question


def test_a_short_typo_no_longer_hides_the_right_paragraph(service: Engine) -> None:
    answer = service.answer("can i tak it as a pil")
    assert answer.answered
    assert "Oral immunotherapy is taken by mouth as a pill" in answer.passages[0].text
