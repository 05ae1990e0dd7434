"""The question language detector on the labelled English questions and on Spanish ones."""

import json

from qa.documents import Document
from qa.language import document_language, question_language
from qa.settings import PROJECT_ROOT, Settings

EVAL = PROJECT_ROOT / "eval" / "immunotherapy.jsonl"
SPANISH = [
    "¿Qué es la inmunoterapia?",
    "que es la inmunoterapia",
    "¿Cuáles son los efectos secundarios de la inmunoterapia?",
    "¿Puedo tomar la inmunoterapia en pastillas?",
    "inmunoterapia y quimioterapia",
    "¿Cómo funciona la inmunoterapia?",
    "efectos secundarios",
    "¿La inmunoterapia se da por vía intravenosa?",
    "¿Qué es el cáncer?",
    "tengo miedo de la quimio",
]


def test_at_most_one_percent_of_the_english_eval_questions_is_misdetected() -> None:
    settings = Settings()
    questions = [json.loads(line)["question"] for line in EVAL.read_text(encoding="utf-8").splitlines()]
    wrong = [q for q in questions if question_language(q, settings) != "en"]
    assert len(wrong) <= 0.01 * len(questions), wrong


def test_spanish_questions_are_detected_as_spanish() -> None:
    settings = Settings()
    assert [q for q in SPANISH if question_language(q, settings) != "es"] == []


def test_a_document_without_a_language_is_in_the_default_language() -> None:
    settings = Settings(document_language="fr")
    assert document_language(Document(id="d", text="x"), settings) == "fr"
    assert document_language(Document(id="d", text="x", metadata={"language": "es"}), settings) == "es"
