"""Hybrid retrieval: dense (FAISS) and BM25 candidates, fused, then re-scored by best sentence."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qa.echoes import Echoes
from qa.evidence import Evidence, Hit
from qa.fusion import Method, Scores, fuse
from qa.index import Index
from qa.intent import INTENT_KINDS, Intent, question_intent
from qa.lexical import LexicalIndex, Match
from qa.sentence_scores import SentenceScorer, SentenceScores, best_sentences

Expansion = Sequence[tuple[str, float]]
_COVER_DEPTH = 3


@dataclass(frozen=True)
class _Scored:
    """The candidates of one question (positions in the index) and their signals, best first in `ranked`."""

    ids: npt.NDArray[np.int64]
    dense: Scores
    lexical: Scores
    sentences: SentenceScores
    sentence: Scores
    fused: npt.NDArray[np.float64]
    ranked: npt.NDArray[np.int64]


def covered(match: Match, lexical: LexicalIndex, passages: npt.NDArray[np.int64]) -> float:
    """The share of the question's term weight (IDF) that the passages (positions in the index) use."""
    if not match.terms:
        return 0.0
    used = lexical.terms_used(match.terms, passages)
    total = sum(match.weights)
    return sum(w for term, w in zip(match.terms, match.weights, strict=True) if term in used) / total


class Retriever:
    """Ranks an index's passages for questions already encoded as vectors."""

    def __init__(
        self, index: Index, method: Method, lexical_weight: float, sentence_weight: float, candidates: int
    ) -> None:
        self.index = index
        self.candidates = candidates  # from each of dense search and BM25
        self.method = method
        self.lexical_weight = lexical_weight
        self.sentence_weight = sentence_weight
        kinds = np.array([p.kind for p in index.passages])
        self._allowed = {intent: np.isin(kinds, allowed) for intent, allowed in INTENT_KINDS.items()}
        self._sentences = SentenceScorer(index)
        self._echoes = Echoes(index.passages)

    def search(
        self,
        vectors: npt.NDArray[np.float32],
        questions: list[str],
        k: int,
        expansions: Sequence[Expansion] | None = None,
    ) -> list[Evidence]:
        """The top `k` passages for each question (one row of `vectors` per question).

        `expansions` gives each question's weighted earlier questions for BM25 (its vector
        already holds them, see qa.conversation).
        """
        depth = min(self.candidates, len(self.index.passages))
        _, dense_ids = self.index.dense.search(np.ascontiguousarray(vectors, dtype=np.float32), depth)
        expansions = expansions or [()] * len(questions)
        return [
            self._rank(vector, question, ids, k, expansion)
            for vector, question, ids, expansion in zip(vectors, questions, dense_ids, expansions, strict=True)
        ]

    def _rank(
        self,
        vector: npt.NDArray[np.float32],
        question: str,
        dense_ids: npt.NDArray[np.int64],
        k: int,
        expansion: Expansion = (),
    ) -> Evidence:
        intent, allowed, match, bm25 = self._lexical(question, expansion)
        known, terms = sum(match.known), len(match.terms)
        lexical_ids = _top(bm25, self.candidates)
        dense_ids = dense_ids[dense_ids >= 0]
        ids = np.array(list(dict.fromkeys([*dense_ids.tolist(), *lexical_ids.tolist()])), dtype=np.int64)
        ids = ids[allowed[ids]] if len(ids) else ids
        if not len(ids):
            return Evidence([], intent, 0.0, 0.0, 0.0, known, terms, vector=vector)
        scored = self._score(vector, bm25, ids)
        ranked, fused, dense, lexical = scored.ranked, scored.fused, scored.dense, scored.lexical
        return Evidence(
            self._hits(scored, k),
            intent,
            float(dense.max()),
            float(scored.sentence.max()),
            float(bm25.max()),
            known,
            terms,
            covered_first=covered(match, self.index.lexical, ids[ranked[:1]]),
            covered_top=covered(match, self.index.lexical, ids[ranked[:_COVER_DEPTH]]),
            margin=_margin(fused),
            agree=bool(dense.argmax() == lexical.argmax()) and bool(lexical.max() > 0),
            salience=match.salience,
            vector=vector,
        )

    def _hits(self, scored: _Scored, k: int) -> list[Hit]:
        """The first `k` candidates, each with its signals and its best sentence highlighted."""
        return [
            Hit(
                passage=self.index.passages[scored.ids[i]],
                score=round(float(scored.fused[i]), 4),
                dense=float(scored.dense[i]),
                lexical=float(scored.lexical[i]),
                sentence=float(scored.sentence[i]),
                highlights=self._sentences.highlights(scored.sentences, int(i), int(scored.ids[i])),
            )
            for i in scored.ranked[:k]
        ]

    def _lexical(self, question: str, expansion: Expansion) -> tuple[Intent, npt.NDArray[np.bool_], Match, Scores]:
        """What the question asks about, which passages may answer it, its terms, and their BM25."""
        intent = question_intent(question)
        allowed = self._allowed[intent]
        if not allowed.any():
            intent, allowed = "medical", self._allowed["medical"]
        match = self.index.lexical.match(question, expansion)
        return intent, allowed, match, np.where(allowed, match.scores, 0.0).astype(np.float32)

    def _score(self, vector: npt.NDArray[np.float32], bm25: Scores, ids: npt.NDArray[np.int64]) -> _Scored:
        """Dense, scaled BM25, sentence cosines, best-sentence score and fused score of the passages `ids`."""
        dense = self.index.vectors[ids] @ vector
        lexical = bm25[ids] / bm25.max() if bm25.max() > 0 else np.zeros(len(ids), dtype=np.float32)
        sentences = self._sentences.scores(vector, ids)
        sentence = best_sentences(sentences)
        fused = fuse(self.method, dense, lexical, sentence, self.lexical_weight, self.sentence_weight)
        ranked = self._explained_first(np.argsort(-fused, kind="stable"), ids)
        return _Scored(ids, dense, lexical, sentences, sentence, fused, ranked)

    def _explained_first(self, ranked: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """A summary ranked first gives way to the best-ranked candidate that explains it (qa.echoes).

        "Key Points" lists repeat the first sentence of each section: the section answers, the list points to it.
        """
        explaining = self._echoes.explaining(int(ids[ranked[0]]))
        lead = next((i for i in ranked[1:] if int(ids[i]) in explaining), None) if explaining else None
        return ranked if lead is None else np.concatenate([[lead], ranked[ranked != lead]])


def _margin(fused: npt.NDArray[np.float64]) -> float:
    """How far the best fused score leads the next one (the best score itself when it is alone)."""
    if len(fused) < 2:
        return float(fused[0])
    second, best = np.partition(fused, -2)[-2:]
    return float(best - second)


def _top(scores: Scores, count: int) -> npt.NDArray[np.int64]:
    """Indices of the `count` highest positive scores, best first, in linear time."""
    candidates = np.argpartition(-scores, count)[:count] if len(scores) > count else np.arange(len(scores))
    candidates = candidates[scores[candidates] > 0]
    return candidates[np.argsort(-scores[candidates], kind="stable")]
