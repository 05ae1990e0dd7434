"""POST /v1/ask in every turn: history never turns "we don't know" into an answer; urgent situations come first."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.settings import PROJECT_ROOT

SIDE_EFFECTS = "What are the side effects of immunotherapy?"
# Written for this check and read once before it was (eval/feelings-holdout.jsonl; docs/evaluation.md).
HELD_OUT = [
    json.loads(line)
    for line in (PROJECT_ROOT / "eval" / "feelings-holdout.jsonl").read_text(encoding="utf-8").splitlines()
]


def ask(client: TestClient, question: str, history: list[str] | None = None) -> dict[str, Any]:
    response = client.post("/v1/ask", json={"question": question, "history": history or []})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize(
    ("question", "history"),
    [
        ("What is the capital of France?", ["What is intravesical therapy?"]),
        ("How much does immunotherapy cost?", [SIDE_EFFECTS]),
        ("Can I drink alcohol during treatment?", [SIDE_EFFECTS]),
        ("Tell me a joke", [SIDE_EFFECTS]),
        ("What is the best phone to buy this year?", ["Should I get a second opinion?"]),
    ],
)
def test_history_never_turns_an_unanswered_question_into_an_answer(
    client: TestClient, question: str, history: list[str]
) -> None:
    alone = ask(client, question)
    assert not alone["answered"]
    for earlier in (history, [SIDE_EFFECTS, *history]):
        answer = ask(client, question, earlier)
        assert answer["status"] == alone["status"]
        assert answer["context_used"] == []


def test_a_follow_up_that_points_back_still_leans_on_its_history(client: TestClient) -> None:
    answer = ask(client, "how often do I take it?", ["What is oral immunotherapy?"])
    assert answer["answered"] and answer["context_used"] == [0]
    assert "taken by mouth" in answer["passages"][0]["text"]


def test_a_long_question_stands_on_its_own(client: TestClient) -> None:
    question = (
        "My mother was diagnosed with melanoma last year and her doctor now says immunotherapy is an option. "
        "She is 74, has diabetes and worries about getting to the hospital every few weeks. How is immunotherapy "
        "usually given, and how often would she need to go in for her treatments?"
    )
    alone = ask(client, question)
    answer = ask(client, question, ["What is intravesical therapy?", "how is it given?"])
    assert answer["context_used"] == []
    assert [p["id"] for p in answer["passages"]] == [p["id"] for p in alone["passages"]]


def test_an_urgent_situation_says_what_to_do_now_first(client: TestClient) -> None:
    answer = ask(client, "I have a high fever after my infusion, what should I do?")
    care = answer["urgent_care"]
    assert answer["urgent"] and care["level"] == "care_team" and care["emergency_tel"] == "tel:911"
    assert answer["message"].startswith(care["message"])
    assert "1-800-227-2345" in care["message"]
    assert answer["passages"], "the passages still follow, marked as they are"
    in_conversation = ask(client, "I have a high fever after my infusion, what should I do?", [SIDE_EFFECTS])
    assert in_conversation["urgent"]


def test_a_question_about_a_sign_is_not_urgent(client: TestClient) -> None:
    answer = ask(client, "can immunotherapy cause a fever?")
    assert not answer["urgent"] and answer["urgent_care"] is None


@pytest.mark.parametrize("message", ["help", "hi", "thanks", "who are you?", "what can I ask?"])
def test_small_talk_gets_a_reply_and_no_medical_passage(client: TestClient, message: str) -> None:
    answer = ask(client, message)
    assert answer["status"] == "smalltalk" and not answer["answered"] and answer["passages"] == []
    assert "1-800-227-2345" in answer["message"]


def test_a_fragment_after_a_question_gets_a_reply_not_a_passage(client: TestClient) -> None:
    """ "ok, one more thing" after a question read as a follow-up and was answered with a passage."""
    for message in ("ok, one more thing", "one sec", "quick question"):
        answer = ask(client, message, [SIDE_EFFECTS])
        assert answer["status"] == "smalltalk" and answer["passages"] == [] and not answer["answered"]


@pytest.mark.parametrize("question", ["What is CAR T-cell therapy?", "checkpoint inhibitors", "Will I lose my hair?"])
def test_a_treatment_or_side_effect_the_article_never_names_is_related(client: TestClient, question: str) -> None:
    answer = ask(client, question)
    assert answer["status"] == "related" and answer["passages"]


def test_a_passage_whose_list_is_missing_says_so(client: TestClient) -> None:
    answer = ask(client, "What are the side effects?")
    first = answer["passages"][0]
    assert first["text"].rstrip().split("\n")[0].endswith(":") or any(
        line.endswith(":") for line in first["text"].split("\n")
    )
    assert first["incomplete"]
    assert answer["missing_list_note"].startswith("The original article has a list here")


def test_a_message_of_feeling_is_not_answered_with_a_passage_in_any_turn(client: TestClient) -> None:
    """ "they told me its cancer today and I cant stop crying" used to get a side-effects paragraph as its answer.

    The refusal model fitted without messages of feeling answered 12 of these 85 held-out ones alone and 13 after
    an on-topic question; refitted with eval/feelings.jsonl's train split, none.
    """
    feelings = [r["question"] for r in HELD_OUT if r["kind"] == "feeling"]
    assert len(feelings) == 85
    for history in ([], [SIDE_EFFECTS]):
        answered = [message for message in feelings if ask(client, message, history)["answered"]]
        assert len(answered) <= 5, answered


def test_a_question_wrapped_in_feeling_is_still_answered(client: TestClient) -> None:
    """ "I'm terrified, my first infusion is tomorrow - how is it given?" is a question the article answers."""
    questions = [r for r in HELD_OUT if r["kind"] == "answerable"]
    answers = [ask(client, r["question"]) for r in questions]
    answered = sum(1 for answer in answers if answer["answered"])
    first = sum(
        1
        for r, answer in zip(questions, answers, strict=True)
        if answer["passages"] and any(label in answer["passages"][0]["text"] for label in r["answers"])
    )
    assert len(questions) == 50 and answered >= 43 and first >= 35


def test_a_question_wrapped_in_feeling_keeps_its_own_passages_after_other_questions(client: TestClient) -> None:
    """ "i work full time and im terrified ill lose my job over this. is it given every day or every week?" names
    its own subject. With QA_FOLLOWUP_MAX_CHARS at 200, 16 of these 42 held-out ones leaned on this history and 15
    showed other passages than alone."""
    history = ["What is topical immunotherapy?", "Does immunotherapy work for every cancer and every person?"]
    questions = [r["question"] for r in HELD_OUT if r["kind"] == "answerable" and len(r["question"]) > 100]
    assert len(questions) >= 40
    for question in questions:
        alone, answer = ask(client, question), ask(client, question, history)
        assert answer["context_used"] == []
        assert [p["id"] for p in answer["passages"]] == [p["id"] for p in alone["passages"]]
