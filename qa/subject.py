"""Cancer treatments, drugs, tests and side effects a question names that the corpus never mentions."""

import re
from collections.abc import Iterable
from pathlib import Path

TERMS_FILE = Path(__file__).with_name("subject_terms.txt")


def load_terms(path: Path = TERMS_FILE) -> tuple[str, ...]:
    """The terms of a file: one a line, lower case; '#' starts a comment line."""
    lines = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


class SubjectTerms:
    """The terms of the subject that a corpus's text never uses: naming one, a question asks what it cannot answer."""

    def __init__(self, terms: Iterable[str], corpus_texts: Iterable[str]) -> None:
        text = " ".join(corpus_texts).lower()
        missing = [term for term in terms if not _pattern(term).search(text)]
        self._missing = re.compile("|".join(_pattern(term).pattern for term in missing)) if missing else None

    def unmentioned(self, question: str) -> bool:
        """Does the question name a term of the subject that the corpus never uses?"""
        return self._missing is not None and self._missing.search(question.lower()) is not None


def _pattern(term: str) -> re.Pattern[str]:
    # A term matches as whole words, with an optional plural 's'.
    return re.compile(rf"(?<!\w){re.escape(term)}s?(?!\w)")
