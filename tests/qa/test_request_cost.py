"""Bounded cost per request: a question of many parts costs a few normal ones, not one per part."""

import pytest

from qa.encoder import Encoder, Vectors
from qa.engine import Engine, load_engine
from qa.index import Index
from qa.questions import encoder_inputs, question_parts
from qa.settings import Settings

MANY_PARTS = " ".join(f"what is {word} therapy?" for word in ["car", "t", "cell", "vaccine", "checkpoint"] * 30)[:1000]


class CountingEncoder:
    """The real encoder, recording what it is asked to encode."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self.name, self.dimension = encoder.name, encoder.dimension
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> Vectors:
        self.calls.append(list(texts))
        return self._encoder.encode(texts)


@pytest.fixture
def counted(settings: Settings, index: Index, service: Engine) -> tuple[Engine, CountingEncoder]:
    encoder = CountingEncoder(service.encoder.encoder)
    return load_engine(settings.model_copy(update={"cache_size": 0}), index, encoder=encoder), encoder


def test_a_many_part_question_gives_the_encoder_a_bounded_amount_of_text(
    counted: tuple[Engine, CountingEncoder], settings: Settings
) -> None:
    service, encoder = counted
    assert len(MANY_PARTS) == 1000 and MANY_PARTS.count("?") > 40
    answer = service.answer(MANY_PARTS)
    assert answer.question == MANY_PARTS
    (texts,) = encoder.calls
    assert len(texts) <= 1 + settings.question_max_parts
    assert sum(len(text) for text in texts) <= settings.question_max_encoded_chars


def test_a_two_part_question_is_still_searched_part_by_part(counted: tuple[Engine, CountingEncoder]) -> None:
    service, encoder = counted
    question = "How does immunotherapy work, and what are its side effects?"
    answer = service.answer(question)
    assert encoder.calls == [[question, "How does immunotherapy work", "what are its side effects"]]
    assert answer.answered


def test_the_part_cap_keeps_the_first_parts() -> None:
    parts = question_parts("What is CAR T? What are vaccines? What is a checkpoint? What are viruses?", 2)
    assert parts[1:] == ["What is CAR T", "What are vaccines"]
    assert question_parts("What is CAR T? What are vaccines?", 0) == ["What is CAR T? What are vaccines?"]


def test_encoder_inputs_cut_between_words_and_leave_out_what_does_not_fit() -> None:
    question = "word " * 100 + "end"
    (alone,) = encoder_inputs([question.strip()], 64)
    assert len(alone) <= 64 and question.startswith(alone) and not alone.endswith(" ")
    kept = encoder_inputs(["a b " * 40, "first part", "second part", "x" * 40], 100)
    assert len(kept[0]) <= 50 and kept[1:] == ["first part", "second part"]


def test_a_long_history_gives_the_encoder_a_bounded_amount_of_text(
    counted: tuple[Engine, CountingEncoder], settings: Settings
) -> None:
    service, encoder = counted
    history = [(f"What is oral immunotherapy and how is it taken {n} " * 30)[:1000] for n in range(5)]
    answer = service.answer("how often do I take it?", history=history)
    assert answer.context_used and min(answer.context_used) >= 3  # the latest turns, indexed in the whole history
    texts = [text for call in encoder.calls for text in call]
    earlier = [text for text in texts if text.startswith("What is oral")]
    assert len(earlier) == settings.history_used
    assert all(len(text) <= settings.history_max_encoded_chars for text in earlier)


def test_a_follow_up_encodes_its_question_once(counted: tuple[Engine, CountingEncoder]) -> None:
    service, encoder = counted
    answer = service.answer("how is it given?", history=["What is intravesical therapy?"])
    assert answer.context_used == [0] and "bladder" in answer.passages[0].text  # searched alone, then with history
    texts = [text for call in encoder.calls for text in call]
    assert len(encoder.calls) == 2 and sorted(texts) == ["What is intravesical therapy?", "how is it given?"]


def test_a_question_in_another_language_is_encoded_once_then_answered_from_the_cache(
    settings: Settings, index: Index, service: Engine
) -> None:
    """No document is in Spanish: the reply has no passage, but the urgency check reads the question's embedding."""
    encoder = CountingEncoder(service.encoder.encoder)
    cached = load_engine(settings, index, encoder=encoder)
    question = "Tengo el cuerpo ardiendo y tiemblo bajo tres cobijas"
    answers = [cached.answer(question) for _ in range(3)]
    assert encoder.calls == [[question]]
    assert all(a.urgent and not a.passages for a in answers)
