"""POST /v1/ask: verbatim passages with their source, the disclaimer and helpline, and 422 for bad input."""

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.index import Index
from qa.publisher import PublisherTexts

PILL = "Can I take immunotherapy as a pill?"
QUESTIONS = [
    PILL,
    "How is immunotherapy different from chemo?",
    "What are the side effects?",
    "What sources is this information based on?",
    "What is the capital of France?",
    "  can   i take\timmunotherapy as a PILL  ",
    "¿Puedo tomar inmunoterapia en pastilla?",
]


def ask(client: TestClient, question: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/ask", json={"question": question, **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_pill_question_gets_the_oral_immunotherapy_paragraph_first(
    client: TestClient, publisher: PublisherTexts
) -> None:
    answer = ask(client, PILL)
    assert answer["answered"] is True
    assert answer["question"] == PILL
    assert len(answer["passages"]) == 3
    assert "Oral immunotherapy is taken by mouth as a pill" in answer["passages"][0]["text"]
    assert answer["disclaimer"] == publisher.disclaimer
    assert answer["helpline"] == publisher.helpline


def test_an_off_topic_question_is_refused_with_the_helpline(client: TestClient, publisher: PublisherTexts) -> None:
    answer = ask(client, "What is the capital of France?")
    assert answer["answered"] is False
    assert answer["passages"] == []
    assert "1-800-227-2345" in answer["message"]
    assert answer["disclaimer"] == publisher.disclaimer
    assert answer["helpline"]["phone"] == "1-800-227-2345"


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_answer_carries_the_disclaimer_and_helpline(
    client: TestClient, publisher: PublisherTexts, question: str
) -> None:
    answer = ask(client, question)
    # In the question's language where we have it (the Spanish one is in tests/api/test_language.py).
    expected = publisher.translated_disclaimer.get(answer["language"], publisher.disclaimer)
    assert answer["disclaimer"] == expected
    assert answer["helpline"]["phone"] == "1-800-227-2345"
    assert answer["helpline"]["tel"] == "tel:18002272345"
    assert answer["message"]


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("top_k", [1, 10])
def test_every_passage_of_every_answer_is_verbatim(client: TestClient, index: Index, question: str, top_k: int) -> None:
    answer = ask(client, question, top_k=top_k)
    assert len(answer["passages"]) == (0 if answer["status"] == "not_found" else top_k)
    for passage in answer["passages"]:
        doc = index.corpus.get(passage["document_id"])
        assert passage["text"] == doc.text[passage["start"] : passage["end"]]
        assert passage["id"] == f"{doc.id}:{passage['start']}-{passage['end']}"


@pytest.mark.parametrize("question", QUESTIONS)
def test_highlights_are_whole_sentences_inside_their_passage(client: TestClient, index: Index, question: str) -> None:
    # A passage, or an excerpt joined from neighbouring passages (qa.excerpts): a highlight is one of their sentences.
    sentences = {(p.document_id, s, e) for p in index.passages for s, e in p.sentences}
    for passage in ask(client, question, top_k=5)["passages"]:
        assert passage["highlights"]
        for highlight in passage["highlights"]:
            assert 0 <= highlight["start"] < highlight["end"] <= len(passage["text"])
            at = passage["start"]
            assert (passage["document_id"], at + highlight["start"], at + highlight["end"]) in sentences


@pytest.mark.parametrize("question", [PILL, "What sources is this information based on?"])
def test_the_sidecar_metadata_reaches_every_answer_passage(client: TestClient, index: Index, question: str) -> None:
    passages = ask(client, question, top_k=10)["passages"]
    assert passages
    for passage in passages:
        doc = index.corpus.get(passage["document_id"])
        assert (
            passage["publisher"]
            == doc.publisher
            == ("American Cancer Society (medical and editorial content team, with review by ASCO)")
        )
        assert passage["last_revised"] == doc.last_revised == "2025-08-07"
        assert passage.get("copyright") == doc.copyright, "the copyright notice must travel with the text"
        assert (passage["title"], passage["url"]) == (None, None)


@pytest.mark.parametrize("top_k", [3, 10])
def test_a_question_about_sources_returns_only_references_and_credits(client: TestClient, top_k: int) -> None:
    answer = ask(client, "What sources is this information based on?", top_k=top_k)
    assert answer["answered"] is True
    assert len(answer["passages"]) == top_k
    assert "reference" in {p["kind"] for p in answer["passages"]} <= {"reference", "credit"}


@pytest.mark.parametrize("question", ["What are the side effects?", PILL, "How is immunotherapy given?"])
def test_other_questions_never_return_reference_passages(client: TestClient, question: str) -> None:
    answer = ask(client, question, top_k=10)
    assert answer["answered"] is True
    assert {p["kind"] for p in answer["passages"]} == {"content"}


def test_a_question_of_exactly_the_maximum_length_is_accepted(client: TestClient, publisher: PublisherTexts) -> None:
    question = (PILL + " ") * (1000 // (len(PILL) + 1))
    question += "x" * (1000 - len(question))
    assert len(question) == 1000
    assert ask(client, question)["disclaimer"] == publisher.disclaimer


JSON = {"content-type": "application/json"}
BAD_BODIES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("no body", {}, ["body", "Field required"]),
    ("empty object", {"json": {}}, ["question", "Field required"]),
    ("only top_k", {"json": {"top_k": 3}}, ["question", "Field required"]),
    ("empty question", {"json": {"question": ""}}, ["question", "at least 1 character"]),
    ("whitespace question", {"json": {"question": " \t\r\n "}}, ["question", "empty or only whitespace"]),
    (
        "invisible characters only",
        {"json": {"question": "\u200b\x00\x07"}},
        ["question_empty", "The question is empty"],
    ),
    ("1001 characters", {"json": {"question": "a" * 1001}}, ["question", "at most 1000 characters"]),
    ("top_k 0", {"json": {"question": PILL, "top_k": 0}}, ["top_k", "greater than or equal to 1"]),
    ("top_k -1", {"json": {"question": PILL, "top_k": -1}}, ["top_k", "greater than or equal to 1"]),
    ("top_k 11", {"json": {"question": PILL, "top_k": 11}}, ["top_k", "less than or equal to 10"]),
    ("top_k huge", {"json": {"question": PILL, "top_k": 10**30}}, ["top_k", "less than or equal to 10"]),
    ("top_k fraction", {"json": {"question": PILL, "top_k": 2.5}}, ["top_k", "valid integer"]),
    ("top_k word", {"json": {"question": PILL, "top_k": "three"}}, ["top_k", "valid integer"]),
    ("top_k null", {"json": {"question": PILL, "top_k": None}}, ["top_k", "valid integer"]),
    ("top_k list", {"json": {"question": PILL, "top_k": [3]}}, ["top_k", "valid integer"]),
    ("question number", {"json": {"question": 42}}, ["question", "valid string"]),
    ("question null", {"json": {"question": None}}, ["question", "valid string"]),
    ("question list", {"json": {"question": [PILL]}}, ["question", "valid string"]),
    ("question object", {"json": {"question": {"text": PILL}}}, ["question", "valid string"]),
    ("unknown field", {"json": {"question": PILL, "lang": "en"}}, ["lang", "Extra inputs are not permitted"]),
    ("body is a list", {"json": [PILL]}, ["body", "valid dictionary"]),
    ("body is a string", {"json": PILL}, ["body", "valid dictionary"]),
    ("body is null", {"json": None}, ["body"]),
    ("truncated JSON", {"content": b'{"question": ', "headers": JSON}, ["body", "JSON decode error"]),
    ("trailing comma", {"content": b'{"question": "hi",}', "headers": JSON}, ["body", "JSON decode error"]),
    ("single quotes", {"content": b"{'question': 'hi'}", "headers": JSON}, ["body", "JSON decode error"]),
    ("not JSON at all", {"content": b"question=hi", "headers": JSON}, ["body", "JSON decode error"]),
    ("nested too deeply", {"content": b"[" * 5000, "headers": JSON}, ["json_invalid", "nested too deeply"]),
    ("nested object too deeply", {"content": b'{"a":' * 3000, "headers": JSON}, ["json_invalid", "nested too deeply"]),
    (
        "top_k of 5,001 digits",
        {"content": b'{"question": "hi", "top_k": 1' + b"0" * 5000 + b"}", "headers": JSON},
        ["json_invalid", "too many digits"],
    ),
    ("lone surrogate escape", {"content": b'{"question": "\\ud800 pill"}', "headers": JSON}, ["question"]),
    ("invalid UTF-8", {"content": b'{"question": "\xff\xfe"}', "headers": JSON}, ["body"]),
    ("history not a list", {"json": {"question": PILL, "history": PILL}}, ["history", "valid list"]),
    ("history of numbers", {"json": {"question": PILL, "history": [1]}}, ["history", "valid string"]),
    ("history too long", {"json": {"question": PILL, "history": [PILL] * 6}}, ["history", "at most 5"]),
    ("history item empty", {"json": {"question": PILL, "history": [""]}}, ["history", "at least 1"]),
    ("history item blank", {"json": {"question": PILL, "history": [" \u200b "]}}, ["question_empty", "Earlier"]),
    ("history item too long", {"json": {"question": PILL, "history": ["x" * 1001]}}, ["history", "at most 1000"]),
]


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES])
def test_bad_input_is_a_422_with_a_json_body_that_says_what_is_wrong(
    client: TestClient, body: dict[str, Any], expected: list[str]
) -> None:
    response = client.post("/v1/ask", **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["detail"]
    for fragment in expected:
        assert fragment in json.dumps(body)


NOT_JSON: list[tuple[str, dict[str, Any], str]] = [
    (
        "text/plain",
        {"content": json.dumps({"question": PILL}).encode(), "headers": {"content-type": "text/plain"}},
        "text/plain",
    ),
    ("form encoded", {"data": {"question": PILL}}, "application/x-www-form-urlencoded"),
    ("multipart", {"files": {"question": ("q.txt", PILL.encode())}}, "multipart/form-data"),
    ("no content type", {"content": json.dumps({"question": PILL}).encode()}, "no Content-Type"),
]


@pytest.mark.parametrize(("body", "sent_as"), [(b, t) for _, b, t in NOT_JSON], ids=[n for n, _, _ in NOT_JSON])
def test_a_body_not_sent_as_json_is_a_415_that_says_how_to_send_it(
    client: TestClient, body: dict[str, Any], sent_as: str
) -> None:
    response = client.post("/v1/ask", **body)
    assert response.status_code == 415, response.text
    error = response.json()
    assert error["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in error["detail"] and sent_as in error["detail"]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/problem+json", "APPLICATION/JSON"]
)
def test_json_media_types_with_parameters_or_suffixes_are_accepted(client: TestClient, content_type: str) -> None:
    response = client.post("/v1/ask", content=json.dumps({"question": PILL}), headers={"content-type": content_type})
    assert response.status_code == 200, response.text


def test_the_schema_documents_every_status_and_field_of_ask(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    responses = schema["paths"]["/v1/ask"]["post"]["responses"]
    assert {"200", "413", "415", "422", "429", "503"} <= set(responses)
    assert all(response["description"] for response in responses.values())
    components = schema["components"]["schemas"]
    for model in ("AskRequest", "AskResponse", "PassageOut", "Highlight", "Helpline"):
        undocumented = [name for name, field in components[model]["properties"].items() if not field.get("description")]
        assert undocumented == [], model


def test_an_oversized_body_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "a" * 20_000})
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["detail"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_not_allowed(client: TestClient, method: str) -> None:
    response = client.request(method, "/v1/ask")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


def test_a_follow_up_is_answered_with_its_history_and_says_which_turns_it_used(client: TestClient) -> None:
    alone = ask(client, "how is it given?")
    followed = ask(client, "how is it given?", history=["What are the side effects?", "What is intravesical therapy?"])
    assert alone["context_used"] == []
    assert "into the bladder" not in alone["passages"][0]["text"]
    assert followed["context_used"] == [1]
    assert "infused directly into the bladder" in followed["passages"][0]["text"]
    assert followed["question"] == "how is it given?"


def test_a_new_topic_keeps_its_own_answer_with_history(client: TestClient) -> None:
    alone = ask(client, "What is topical immunotherapy?")
    switched = ask(client, "What is topical immunotherapy?", history=["What is oral immunotherapy?"])
    assert switched["passages"][0]["id"] == alone["passages"][0]["id"]
    assert switched["context_used"] == []


def test_history_is_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "What is intravesical therapy for my bladder tumour zq93?"
    ask(client, "how is it given?", history=[secret])
    assert caplog.records
    assert not any("zq93" in record.getMessage() for record in caplog.records)
