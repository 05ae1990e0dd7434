"""Questions with one right paragraph in the article: it must come first, verbatim."""

from typing import Any

import pytest

from qa.engine import Engine

KNOWN: list[Any] = [  # (question, phrase of the right paragraph) or a pytest.param of one
    ("Can I take immunotherapy as a pill?", "Oral immunotherapy is taken by mouth as a pill"),
    ("How is immunotherapy different from chemo?", "Chemotherapy and immunotherapy are both treatments"),
    ("side effects of immunotherapy", "side effects"),
    ("What is intravesical therapy?", "Intravesical therapy may be used"),
    ("Can immunotherapy be rubbed on the skin?", "Topical immunotherapy is rubbed onto the skin"),
    pytest.param(
        "what is biomarker testing",
        "Biomarker testing is done before treatment",
        # A known miss: the encoder ranks the short definition "These are called biomarkers."
        # above the testing sentence. Kept visible so a fix shows up as an XPASS.
        marks=pytest.mark.xfail(strict=True, reason="ranks the biomarker definition paragraph first"),
        id="what is biomarker testing",
    ),
    ("What is palliative immunotherapy?", "This is called palliative immunotherapy"),
    pytest.param(
        "How often is immunotherapy given?",
        "Immunotherapy can be given daily, weekly, or monthly",
        # A known miss: "...your treatment plan will say how often..." (the next paragraph) comes first.
        marks=pytest.mark.xfail(strict=True, reason="ranks the schedule paragraph that says 'how often' first"),
        id="How often is immunotherapy given?",
    ),
    ("Can immunotherapy be given as a shot?", "given as an injection or shot rather than through an IV"),
    ("What is combination immunotherapy?", "(called combination immunotherapy)"),
    ("What is the immune system?", "Your immune system is made up of organs, cells, and substances"),
    ("Should I get a second opinion?", "ask about getting a second opinion"),
]


@pytest.mark.parametrize(
    ("question", "expected"), KNOWN, ids=[case[0] if isinstance(case, tuple) else case.id for case in KNOWN]
)
def test_the_right_paragraph_comes_first(service: Engine, question: str, expected: str) -> None:
    answer = service.answer(question)
    assert answer.answered, "refused"
    first = answer.passages[0]
    assert expected in first.text, f"first passage was: {first.text[:120]!r}"
    assert first.kind == "content"
    assert first.text == service.index.corpus.get(first.document_id).text[first.start : first.end]
