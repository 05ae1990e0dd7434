"""Keyword search: a bm25s index over passages, with English stemming and stopwords."""

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from qa.spelling import rarity, words

# PyStemmer: "a Stemmer object must not be used by more than one thread at once"; encoder threads
# tokenize questions concurrently, so each thread gets its own.
_PER_THREAD = threading.local()
# bm25s's English list (33 words) keeps question words; these function words carry no topic.
# Topic words that general lists drop ("side", "system", "call", "full") are kept on purpose.
STOPWORDS = sorted(
    set(STOPWORDS_EN)
    | set(
        """
        what whats how does do did doing done can could would should shall will may might must i im ive me
        my mine we our you your yours he she him her his they them their its it's is am are was were been
        being have has had having which who whom whose when where why about above after again all also any
        because before below between both each few from further here more most other same so some than too
        very just s t don now get got go goes going want wants know tell please thing things someone
        somebody anything something kind really much many lot lots way ways okay ok hi hello thanks thank
        """.split()
    )
)


STOPWORD_SET = frozenset(STOPWORDS)
_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's (and scikit-learn's) token pattern


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stemmed tokens without English stopwords: what bm25s.tokenize returns, ten times faster.

    bm25s.tokenize rebuilds its stopword set and three progress bars on every call, about
    40 µs for a question (measured); a question's search tokenizes four or five texts.
    """
    stemmer = _stemmer()
    return [stemmer.stemWords([w for w in _WORD.findall(text.lower()) if w not in STOPWORD_SET]) for text in texts]


def _stemmer() -> Stemmer.Stemmer:
    stemmer: Stemmer.Stemmer | None = getattr(_PER_THREAD, "stemmer", None)
    if stemmer is None:
        stemmer = _PER_THREAD.stemmer = Stemmer.Stemmer("english")
    return stemmer


@dataclass(frozen=True)
class Match:
    """BM25 scores of every passage for one question, and the question's own terms.

    `weights` is each term's inverse document frequency; a term no passage uses weighs most.
    `salience` is the English rarity of the rarest question word that no passage uses (0 if none).
    """

    scores: npt.NDArray[np.float32]
    terms: tuple[str, ...]
    known: tuple[bool, ...]
    weights: tuple[float, ...]
    salience: float


class LexicalIndex:
    """BM25 scores of every passage for a question."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._retriever = retriever
        self._indptr = np.asarray(retriever.scores["indptr"])
        self._indices = np.asarray(retriever.scores["indices"])

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        return cls(bm25s.BM25.load(str(folder), show_progress=False))  # in memory: see qa.index.load_index

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    def match(self, question: str, expansion: Sequence[tuple[str, float]] = ()) -> Match:
        """BM25 score of every passage (zeros when no term is known), with the query's terms.

        `expansion` adds earlier questions with a weight each (historical query expansion): a
        passage's score is the question's BM25 plus the weighted BM25 of each of them, and the
        query's terms are theirs together.
        """
        weighted = [(question, 1.0), *expansion]
        tokens = tokenize([text for text, _ in weighted])  # once per text, for scores and terms alike
        scores = np.zeros(self._retriever.scores["num_docs"], dtype=np.float32)
        for text_tokens, (_, weight) in zip(tokens, weighted, strict=True):
            ids = self._retriever.get_tokens_ids(list(dict.fromkeys(text_tokens)))
            if ids:
                scores += weight * np.asarray(self._retriever.get_scores(ids), dtype=np.float32)
        query = " ".join(text for text, _ in weighted)
        terms = tuple(dict.fromkeys(term for text_tokens in tokens for term in text_tokens))
        passages = self._retriever.scores["num_docs"]
        frequency = [len(self._postings(term)) for term in terms]
        weights = tuple(math.log((passages + 1) / (df + 0.5)) for df in frequency)
        unused = {t for t, df in zip(terms, frequency, strict=True) if not df}
        query_words = words(query)
        stems = tokenize(query_words) if query_words else []
        salience = max((rarity(w) for w, s in zip(query_words, stems, strict=True) if unused & set(s)), default=0.0)
        return Match(scores, terms, tuple(df > 0 for df in frequency), weights, salience)

    def terms_used(self, terms: Sequence[str], passages: npt.NDArray[np.int64]) -> set[str]:
        """Which of `terms` at least one of `passages` (positions) uses, read from the index's postings.

        One membership test for all the terms' postings together: a test per term cost three times
        as much (0.15 against 0.05 ms of CPU per question for its two calls, eval questions).
        """
        postings = [self._postings(term) for term in terms]
        if not postings:
            return set()
        found = np.isin(np.concatenate(postings), passages)
        owners = np.repeat(np.arange(len(postings)), [len(p) for p in postings])
        return {terms[i] for i in np.unique(owners[found]).tolist()}

    def rare_terms(self, text: str, max_share: float) -> set[str]:
        """The text's terms that at most `max_share` of the passages use: the words that name a topic."""
        passages = self._retriever.scores["num_docs"]
        return {term for term in tokenize([text])[0] if 0 < len(self._postings(term)) <= max_share * passages}

    def _postings(self, term: str) -> npt.NDArray[np.int64]:
        """The positions of the passages that use `term` (none for a term the index does not know)."""
        column = self._retriever.vocab_dict.get(term)
        if column is None:
            return np.zeros(0, dtype=np.int64)
        return self._indices[self._indptr[column] : self._indptr[column + 1]]
