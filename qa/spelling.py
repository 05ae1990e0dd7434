"""Correct misspelled question words to the corpus's own vocabulary (pyspellchecker + rapidfuzz)."""

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

from rapidfuzz import fuzz, process
from spellchecker import SpellChecker

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_MIN_LENGTH = 4
_SHORT_LENGTH = 3
_MIN_SIMILARITY = 80.0
_RAREST = 9.0


def vocabulary(texts: Iterable[str]) -> dict[str, int]:
    """Lower-cased words of the corpus with their counts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word.lower() for word in _WORD.findall(text))
    return dict(counts)


@cache
def _english() -> SpellChecker:
    """pyspellchecker's English dictionary (about 30 MB in memory), loaded once per process
    and shared by every index, so a reindex does not load a second copy."""
    return SpellChecker()


def load_dictionary() -> None:
    """Load the English dictionary now: it takes 0.13 s (measured), which the first question with a
    word the corpus does not know would wait."""
    _english()


def known_word(word: str) -> bool:
    """Whether English (pyspellchecker's dictionary) knows the word."""
    return bool(_english().known([word.lower()]))


def words(text: str) -> list[str]:
    """The words of a text, as the speller sees them."""
    return _WORD.findall(text)


def rarity(word: str) -> float:
    """How rare a word is in English: -log10 of its frequency (9 for a word English does not know).

    A rare word is salient: "pregnant", "tylenol" or "keytruda" name a subject, "need" does not.
    """
    frequency = _english().word_usage_frequency(word.lower())
    return min(-math.log10(frequency), _RAREST) if frequency > 0 else _RAREST


class Speller:
    """Replaces a word that neither the corpus nor an English dictionary knows by the
    closest corpus word, when close enough; real words are never changed.

    Words of four letters or more take the most similar corpus word (rapidfuzz ratio);
    three-letter words ("pil", "tak"), where a ratio cannot tell one letter from a new
    word, take a corpus word one edit away: a dropped letter first (the commonest slip in
    short words), then the corpus's most frequent, then English's.
    """

    def __init__(self, words: dict[str, int]) -> None:
        self._words = words
        self._choices = sorted(w for w in words if len(w) >= _MIN_LENGTH - 1)

    def correct(self, question: str) -> str:
        return _WORD.sub(lambda match: self._word(match.group(0)), question)

    def _word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < _SHORT_LENGTH or self._known(lower) or _english().known([lower]):
            return word
        if len(lower) < _MIN_LENGTH:
            near = [w for w in _english().edit_distance_1(lower) if len(w) >= _SHORT_LENGTH and w in self._words]
            frequency = _english().word_usage_frequency
            return max(near, key=lambda w: (len(w) > len(lower), self._words[w], frequency(w), w)) if near else word
        best = process.extractOne(lower, self._choices, scorer=fuzz.ratio, score_cutoff=_MIN_SIMILARITY)
        return best[0] if best else word

    def unknown(self, text: str, ignore: frozenset[str] = frozenset()) -> list[str]:
        """Words of the text (after correction) that the corpus never uses, leaving out those in `ignore`."""
        # A contraction counts by its head: "can't" is "can".
        found = (re.split("['’]", word.lower())[0] for word in _WORD.findall(self.correct(text)))
        return [word for word in found if word not in ignore and not self._known(word)]

    def _known(self, word: str) -> bool:
        """A corpus word, or the plural of one ("ivs")."""
        return word in self._words or (word.endswith("s") and word[:-1] in self._words)
