"""Question preparation, done once per question: normalized text, its history, and its language."""

from collections.abc import Sequence

from qa.conversation import normalize_history
from qa.language import question_language
from qa.questions import normalize_question
from qa.settings import Settings


class Question(str):
    """A question already normalized (qa.questions.normalize_question): preparing it again changes nothing."""

    __slots__ = ()


class Preparation:
    """Normalizes questions and histories within the settings' limits, and detects a question's language."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def question(self, text: str) -> Question:
        """The question as the model sees it; QuestionEmpty or QuestionTooLong when it cannot be one."""
        if isinstance(text, Question):
            return text
        return Question(normalize_question(text, self._settings.question_max_chars))

    def history(self, history: Sequence[str]) -> list[str]:
        """The earlier questions, oldest first, normalized; HistoryTooLong when there are too many."""
        return normalize_history(history, self._settings.history_max, self._settings.question_max_chars)

    def language(self, question: str) -> str:
        """The question's language (ISO 639-1)."""
        return question_language(question, self._settings)
