"""qa.urgency: urgent situations told apart from questions about the same signs."""

import json
from pathlib import Path

import pytest

from qa.engine import Engine
from qa.settings import PROJECT_ROOT
from qa.urgency import urgency

SYMPTOMS = PROJECT_ROOT / "eval" / "symptoms.jsonl"
ORDINARY_NOW = PROJECT_ROOT / "eval" / "ordinary-now-holdout.jsonl"  # never fitted on
FEELINGS_NOW = PROJECT_ROOT / "eval" / "ordinary-now-holdout-2.jsonl"  # never fitted on, 60 + 23 of feelings


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("I have a high fever after my infusion, what should I do?", "care_team"),
        ("my wife can't catch her breath", "emergency"),
        ("I passed out this morning after my infusion", "emergency"),
        ("I want to end it all", "crisis"),
        ("blod in my stool", "care_team"),
        ("Tengo fiebre muy alta desde ayer", "care_team"),
        ("Se me hinchó la lengua durante la infusión", "emergency"),
        ("De pronto veo doble y me duele la cabeza horrible", "emergency"),
        ("Mi esposo tiene las heces negras desde esta mañana", "care_team"),
        ("Siento que todos estarían mejor sin mí", "crisis"),
        ("39.5 and my teeth won't stop chattering", "care_team"),
        ("Tengo 38,7 de temperatura desde anoche y me pusieron Keytruda el lunes", "care_team"),
        ("Tosí sangre hace un rato, estoy con Imfinzi", "emergency"),
        ("Casi me desmayo en la cocina hace un momento y sigo mareado", "emergency"),
        ("Mi madre vomita sin parar desde anoche", "emergency"),
        ("She doesn't see the point of living anymore and talks about taking all her pills", "crisis"),
        ("He has been looking up ways to end it", "crisis"),
        ("I'm not suicidal, but my husband says he wants to die", "crisis"),
        ("Since last night I've been coughing up little clots of blood", "emergency"),
        ("By this morning her lips started to swell", "emergency"),
        ("My stool has been black and sticky like tar since yesterday", "care_team"),
        ("Las heces me salen negras desde ayer", "care_team"),
        ("He's had a pressure in his chest that goes down his left arm for half an hour", "emergency"),
        ("He has slept all day and I can barely wake him to drink", "emergency"),
        ("Patient hypersomnolent since morning, on pembrolizumab", "emergency"),
        ("Mi abuela está súper somnolienta, no hay caso de despertarla", "emergency"),
        ("Next thing I knew I was on the floor of the pharmacy, an hour ago", "emergency"),
        ("Since Tuesday there's been blood in the toilet bowl", "care_team"),
        ("Lately I think my family would be better off if I wasn't around", "crisis"),
        ("honestly i dont wanna be alive anymore", "crisis"),
        ("I don't really want to live anymore, this treatment is too much", "crisis"),
        ("Sometimes I think it would be easier if I just never woke up", "crisis"),
        ("I don't feel safe with myself tonight", "crisis"),
        ("I wrote goodbye letters to my children", "crisis"),
        ("I've been saving up my sleeping pills", "crisis"),
        ("Tonight he was searching about overdoses", "crisis"),
        ("A veces pienso que estarían mejor si yo no estuviera", "crisis"),
    ],
)
def test_a_situation_now_is_urgent_with_its_level(question: str, level: str) -> None:
    assert urgency(question) == level


@pytest.mark.parametrize(
    "question",
    [
        "can immunotherapy cause a fever?",
        "What are the side effects of immunotherapy?",
        "should I call my doctor if I get a fever during immunotherapy?",
        "my father had fevers with his chemo years ago, will immunotherapy be the same?",
        "¿La inmunoterapia puede causar fiebre?",
        "immunotherapy diarrhea",
        "La semana pasada tuve diarrea pero ya se me pasó, ¿se lo digo al médico?",
        "Si me falta el aire durante el tratamiento, ¿a quién llamo?",
    ],
)
def test_asking_about_a_sign_in_general_is_not_urgent(question: str) -> None:
    assert urgency(question) is None


def test_the_train_split_is_told_apart() -> None:
    rows = [json.loads(line) for line in SYMPTOMS.read_text(encoding="utf-8").splitlines() if line.strip()]
    train = [r for r in rows if r["split"] == "train"]
    urgent = [r for r in train if r["urgent"]]
    found = sum(urgency(r["question"]) is not None for r in urgent)
    alarms = sum(urgency(r["question"]) is not None for r in train if not r["urgent"])
    assert len(urgent) >= 50
    assert found / len(urgent) >= 0.95
    assert alarms / (len(train) - len(urgent)) <= 0.05


def test_the_embedding_finds_a_situation_the_rules_do_not_name(service: Engine) -> None:
    question = "I feel like I'm drowning on dry land since this morning"
    assert urgency(question) is None
    vector = service.encoder.encoder.encode([question])[0]
    assert service.stages.assembly.urgency.urgency(question, vector) == "care_team"
    assert service.stages.assembly.urgency.urgency(question) is None  # without the vector, the rules alone


def test_a_question_in_a_language_no_document_is_in_is_still_read_by_the_embedding(service: Engine) -> None:
    """The article is English: a Spanish question gets no passage, yet its embedding (probability 0.89 against
    a threshold of 0.5) finds the situation the rules do not name."""
    question = "Tengo el cuerpo ardiendo y tiemblo bajo tres cobijas"
    assert urgency(question) is None
    answer = service.answer(question)
    assert answer.language == "es" and not answer.passages
    assert answer.urgent and answer.urgent_care is not None


def test_the_embedding_leaves_ordinary_questions_alone(service: Engine) -> None:
    """The last two say too little for the embedding (it gives them 0.67 and 0.73 against a threshold of 0.5)."""
    questions = [
        "What is immunotherapy?",
        "How is immunotherapy given?",
        "can immunotherapy cause a fever?",
        "who wrote this?",
        "second opinion options",
    ]
    vectors = service.encoder.encoder.encode(questions)
    assert [service.stages.assembly.urgency.urgency(q, v) for q, v in zip(questions, vectors, strict=True)] == [
        None
    ] * len(questions)


def test_ordinary_messages_with_words_of_time_are_rarely_urgent(service: Engine) -> None:
    """Held-out messages that say "tonight", "right now" or "asap" about errands, infusion days or paperwork:
    16.0 % of them were marked by the model fitted without such messages, 5.3 % by today's."""
    assert _share_marked(service, ORDINARY_NOW) <= 0.12


def test_messages_of_fear_grief_or_anger_are_rarely_urgent(service: Engine) -> None:
    """Held-out messages from people just diagnosed, waiting for scans, caring or grieving, with no sign of
    the body and no thought of self-harm: 26.5 % were marked by the model fitted without such messages, 8.0 %
    by today's (eval/ordinary-emotion.jsonl among its ordinary questions)."""
    assert _share_marked(service, FEELINGS_NOW) <= 0.16


def _share_marked(service: Engine, held_out: Path) -> float:
    """The share of a held-out file of ordinary messages (at least 100, none urgent) that the engine marks."""
    rows = [json.loads(line) for line in held_out.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 100 and not any(r["urgent"] for r in rows)
    return sum(service.answer(r["question"]).urgent for r in rows) / len(rows)
