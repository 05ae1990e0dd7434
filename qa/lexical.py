"""Keyword search: a bm25s index over passages, with English stemming and stopwords."""

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_STEMMER = Stemmer.Stemmer("english")
# bm25s's English list (33 words) keeps question words; these function words carry no topic.
# Topic words that general lists drop ("side", "system", "call", "full") are kept on purpose.
STOPWORDS = sorted(
    set(STOPWORDS_EN)
    | set(
        [
            "what",
            "whats",
            "how",
            "does",
            "do",
            "did",
            "doing",
            "done",
            "can",
            "could",
            "would",
            "should",
            "shall",
            "will",
            "may",
            "might",
            "must",
            "i",
            "im",
            "ive",
            "me",
            "my",
            "mine",
            "we",
            "our",
            "you",
            "your",
            "yours",
            "he",
            "she",
            "him",
            "her",
            "his",
            "they",
            "them",
            "their",
            "its",
            "it's",
            "is",
            "am",
            "are",
            "was",
            "were",
            "been",
            "being",
            "have",
            "has",
            "had",
            "having",
            "which",
            "who",
            "whom",
            "whose",
            "when",
            "where",
            "why",
            "about",
            "above",
            "after",
            "again",
            "all",
            "also",
            "any",
            "because",
            "before",
            "below",
            "between",
            "both",
            "each",
            "few",
            "from",
            "further",
            "here",
            "more",
            "most",
            "other",
            "same",
            "so",
            "some",
            "than",
            "too",
            "very",
            "just",
            "s",
            "t",
            "don",
            "now",
            "get",
            "got",
            "go",
            "goes",
            "going",
            "want",
            "wants",
            "know",
            "tell",
            "please",
            "thing",
            "things",
            "someone",
            "somebody",
            "anything",
            "something",
            "kind",
            "really",
            "much",
            "many",
            "lot",
            "lots",
            "way",
            "ways",
            "okay",
            "ok",
            "hi",
            "hello",
            "thanks",
            "thank",
        ]
    )
)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stemmed tokens without English stopwords."""
    tokens: list[list[str]] = bm25s.tokenize(
        texts, stopwords=STOPWORDS, stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    return tokens


class LexicalIndex:
    """BM25 scores of every passage for a question."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False))

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    def match(
        self, question: str, expansion: Sequence[tuple[str, float]] = ()
    ) -> tuple[npt.NDArray[np.float32], int, int]:
        """BM25 score of every passage (zeros when no term is known), and how many of the
        query's terms the corpus knows, out of how many.

        `expansion` adds earlier questions with a weight each (historical query expansion):
        a passage's score is the question's BM25 plus the weighted BM25 of each of them.
        """
        scores = np.zeros(self._retriever.scores["num_docs"], dtype=np.float32)
        known = total = 0
        for text, weight in [(question, 1.0), *expansion]:
            terms = tokenize([text])[0]
            ids = self._retriever.get_tokens_ids(terms)
            if ids:
                scores += weight * np.asarray(self._retriever.get_scores(ids), dtype=np.float32)
            known, total = known + len(ids), total + len(terms)
        return scores, known, total

    def rare_terms(self, text: str, max_share: float) -> set[str]:
        """The text's terms that at most `max_share` of the passages use: the words that name a topic."""
        indptr = np.asarray(self._retriever.scores["indptr"])
        passages = self._retriever.scores["num_docs"]
        vocabulary = self._retriever.vocab_dict
        return {
            term
            for term in tokenize([text])[0]
            if term in vocabulary and indptr[vocabulary[term] + 1] - indptr[vocabulary[term]] <= max_share * passages
        }
