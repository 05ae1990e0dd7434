"""qa.subject: treatments and side effects a question names that the corpus never mentions."""

from qa.subject import SubjectTerms, load_terms

TERMS = SubjectTerms(load_terms(), ["Immunotherapy and chemo can cause fatigue."])


def test_a_term_the_corpus_never_uses_is_unmentioned() -> None:
    assert TERMS.unmentioned("What is CAR T-cell therapy?")
    assert TERMS.unmentioned("will I lose my hair")
    assert TERMS.unmentioned("Is Keytruda an immunotherapy?")


def test_words_of_the_corpus_and_other_words_are_not() -> None:
    assert not TERMS.unmentioned("What is immunotherapy?")
    assert not TERMS.unmentioned("What is the capital of France?")
    assert not TERMS.unmentioned("chart of my care")  # "hair" inside another word does not count
