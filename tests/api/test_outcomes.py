"""POST /v1/ask's three outcomes, page chrome kept out of medical answers, keywords and source questions."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.index import Index
from qa.intent import question_intent
from qa.publisher import PublisherTexts
from qa.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "eval" / "immunotherapy.jsonl"
# Lines of the article that are the site's helpline advert, not content.
HELPLINE_MARKERS = ("Live Chat available", "Call us at", "Available any time of day or night", "24/7")


def ask(client: TestClient, question: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/ask", json={"question": question, **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def medical_questions() -> list[str]:
    """The train split's medical questions of every kind (questions about the source or helpline left out)."""
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r["split"] == "train" and question_intent(r["question"]) == "medical"]


def assert_verbatim(index: Index, answer: dict[str, Any]) -> None:
    for passage in answer["passages"]:
        doc = index.corpus.get(passage["document_id"])
        assert passage["text"] == doc.text[passage["start"] : passage["end"]]


def test_a_question_the_article_does_not_answer_is_related_with_the_closest_passages(
    client: TestClient, index: Index, publisher: PublisherTexts
) -> None:
    answer = ask(client, "is it ok to breastfeed during immunotherapy")
    assert answer["status"] == "related"
    assert answer["answered"] is False
    assert answer["message"] == publisher.messages["related"]
    assert answer["message"].startswith("Our article does not answer this question.")
    assert "1-800-227-2345" in answer["message"]
    assert len(answer["passages"]) == 3
    assert_verbatim(index, answer)


def test_an_off_topic_question_is_not_found_without_passages(client: TestClient, publisher: PublisherTexts) -> None:
    answer = ask(client, "how do I unclog a bathroom sink")
    assert (answer["status"], answer["answered"], answer["passages"]) == ("not_found", False, [])
    assert answer["message"] == publisher.messages["not_found"]


@pytest.mark.parametrize("question", ["Can I take immunotherapy as a pill?", "TIL", "who wrote this?"])
def test_answered_is_true_exactly_when_the_status_is_answered(
    client: TestClient, publisher: PublisherTexts, question: str
) -> None:
    answer = ask(client, question)
    assert answer["status"] == "answered" and answer["answered"] is True
    assert answer["message"] == publisher.messages["answered"]


def test_the_helpline_advert_is_never_a_passage_for_a_medical_question(client: TestClient) -> None:
    questions = ["can i get it at home", "why can't my body fight the cancer by itself", *medical_questions()]
    for question in questions:
        answer = ask(client, question, top_k=10)
        for passage in answer["passages"]:
            assert passage["kind"] == "content", (question, passage["text"])
            assert not any(marker in passage["text"] for marker in HELPLINE_MARKERS), (question, passage["text"])


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("when can I use live chat?", "Live Chat available weekdays, 7:00 am - 6:30 pm CT"),
        ("can I talk to someone at night?", "Available any time of day or night"),
        ("what is the phone number for the helpline", "Call us at 1-800-227-2345"),
        ("call at night?", "Available any time of day or night"),
    ],
)
def test_questions_about_the_helpline_are_answered_from_its_block(
    client: TestClient, index: Index, question: str, line: str
) -> None:
    answer = ask(client, question)
    assert answer["status"] == "answered"
    first = answer["passages"][0]
    assert first["kind"] == "helpline" and line in first["text"]
    assert_verbatim(index, answer)


@pytest.mark.parametrize(
    ("term", "phrase"),
    [
        ("TIL", "tumor infiltrating lymphocyte (TIL) therapy"),
        ("intravesical", "Intravesical therapy may be used"),
        ("lenalidomide", "Examples include lenalidomide and pomalidomide"),
        ("biomarker", "biomarkers"),
    ],
)
def test_a_term_the_article_explains_is_answered_with_its_paragraph(client: TestClient, term: str, phrase: str) -> None:
    answer = ask(client, term)
    assert answer["status"] == "answered"
    assert phrase in answer["passages"][0]["text"]


@pytest.mark.parametrize(
    ("question", "kind", "start"),
    [
        ("who wrote this?", "credit", "Developed by the American Cancer Society"),
        ("Who wrote this information?", "credit", "Developed by the American Cancer Society"),
        ("when was this updated?", "revised", "Last Revised: August 7, 2025"),
    ],
)
def test_questions_about_the_source_are_answered_from_its_own_lines(
    client: TestClient, index: Index, question: str, kind: str, start: str
) -> None:
    answer = ask(client, question)
    assert answer["status"] == "answered"
    first = answer["passages"][0]
    assert first["kind"] == kind and first["text"].startswith(start)
    assert_verbatim(index, answer)


def test_where_the_information_comes_from_is_answered_by_the_references(client: TestClient, index: Index) -> None:
    answer = ask(client, "where does this information come from?")
    assert answer["status"] == "answered"
    assert {p["kind"] for p in answer["passages"]} <= {"reference", "credit"}
    assert_verbatim(index, answer)


def test_the_schema_describes_the_three_outcomes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AskResponse"]
    status = schema["properties"]["status"]
    assert status["enum"] == ["answered", "related", "not_found", "smalltalk"]
    assert "related" in status["description"] and "status" in schema["required"]
