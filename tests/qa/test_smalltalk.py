"""qa.smalltalk: greetings and questions about the service, never a question about cancer."""

import json

import pytest

from qa.settings import PROJECT_ROOT
from qa.smalltalk import smalltalk_language

EVAL = PROJECT_ROOT / "eval"


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("help", "en"),
        ("hi", "en"),
        ("thanks!", "en"),
        ("who are you?", "en"),
        ("hlep", "en"),
        ("hola", "es"),
        ("one sec", "en"),
        ("quick question", "en"),
        ("ok, one more thing", "en"),
        ("still there?", "en"),
    ],
)
def test_small_talk_is_recognised_with_its_language(message: str, language: str) -> None:
    assert smalltalk_language(message) == language


@pytest.mark.parametrize(
    "question",
    [
        "I need help paying for immunotherapy",
        "how does it work?",
        "what is immunotherapy?",
        "help with side effects",
        "my back hurts",
        "is it still working?",
        "one more question about side effects",
    ],
)
def test_a_question_with_a_subject_is_not_small_talk(question: str) -> None:
    assert smalltalk_language(question) is None


def test_no_labelled_question_of_the_article_is_taken_for_small_talk() -> None:
    for name in ("immunotherapy.jsonl", "dialogues.jsonl", "symptoms.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for text in [*record.get("history", []), record["question"]]:
                assert smalltalk_language(text) is None, text
