"""Hybrid retrieval: dense (FAISS) and BM25 candidates, fused, then re-scored by best sentence."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from qa.chunking import Passage
from qa.index import Index
from qa.sentences import Span

Method = Literal["hybrid", "rrf", "dense", "bm25"]
Expansion = Sequence[tuple[str, float]]
Scores = npt.NDArray[np.floating[Any]]
_RRF_K = 60

_SOURCE_INTENT = re.compile(
    r"\b(sources?|references?|citations?|cited?|bibliograph\w*|studies|journals?|based on|come from|came from)\b",
    re.IGNORECASE,
)
_CANDIDATES = 50


@dataclass(frozen=True)
class Hit:
    """One ranked passage with the evidence behind its rank."""

    passage: Passage
    score: float
    dense: float
    lexical: float
    sentence: float
    highlights: tuple[Span, ...]


@dataclass(frozen=True)
class Evidence:
    """Ranked hits plus question-level signals used to decide whether to answer."""

    hits: list[Hit]
    sources: bool
    top_dense: float
    top_sentence: float
    lexical_top: float
    known_terms: int
    terms: int


def merge_evidence(parts: list[Evidence], k: int) -> Evidence:
    """One ranking from a whole question's evidence and its parts': best score per passage.

    Question-level signals (for refusal) stay those of the whole question.
    """
    whole = parts[0]
    if len(parts) == 1:
        return whole
    best: dict[str, Hit] = {}
    for hit in (hit for evidence in parts for hit in evidence.hits):
        if hit.passage.id not in best or hit.score > best[hit.passage.id].score:
            best[hit.passage.id] = hit
    hits = sorted(best.values(), key=lambda hit: -hit.score)[:k]
    return replace(whole, hits=hits)


def hybrid_score(
    dense: Scores, lexical: Scores, sentence: Scores, lexical_weight: float, sentence_weight: float
) -> Scores:
    """Passage cosine, plus weighted BM25 scaled to the best match and best-sentence cosine."""
    fused: Scores = dense + lexical_weight * lexical + sentence_weight * sentence
    return fused


def wants_sources(question: str) -> bool:
    """Does the question ask where the information comes from (then only references answer)?"""
    return bool(_SOURCE_INTENT.search(question))


class Retriever:
    """Ranks an index's passages for questions already encoded as vectors."""

    def __init__(self, index: Index, method: Method, lexical_weight: float, sentence_weight: float) -> None:
        self.index = index
        self.method = method
        self.lexical_weight = lexical_weight
        self.sentence_weight = sentence_weight
        kinds = np.array([p.kind == "reference" for p in index.passages])
        self._is_reference = kinds
        counts = np.array([len(p.sentences) for p in index.passages])
        self._sentence_rows = np.concatenate([[0], np.cumsum(counts)])
        self._position = {p.id: i for i, p in enumerate(index.passages)}
        self._lead_in = np.array([_is_lead_in(p, span) for p in index.passages for span in p.sentences], dtype=bool)

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
        depth = min(_CANDIDATES, len(self.index.passages))
        _, dense_ids = self.index.dense.search(np.ascontiguousarray(vectors, dtype=np.float32), depth)
        expansions = expansions or [()] * len(questions)
        return [
            self._rank(vector, question, ids, k, expansion)
            for vector, question, ids, expansion in zip(vectors, questions, dense_ids, expansions, strict=True)
        ]

    def score_of(self, vector: npt.NDArray[np.float32], question: str, passage: Passage) -> float:
        """The score `passage` gets for the question alone, whether or not it was a candidate."""
        ids = np.array([self._position[passage.id]], dtype=np.int64)
        _, _, bm25, _, _ = self._lexical(question, ())
        return float(self._score(vector, bm25, ids)[4][0])

    def _rank(
        self,
        vector: npt.NDArray[np.float32],
        question: str,
        dense_ids: npt.NDArray[np.int64],
        k: int,
        expansion: Expansion = (),
    ) -> Evidence:
        sources, allowed, bm25, known, terms = self._lexical(question, expansion)
        lexical_ids = _top(bm25, _CANDIDATES)
        dense_ids = dense_ids[dense_ids >= 0]
        ids = np.array(list(dict.fromkeys([*dense_ids.tolist(), *lexical_ids.tolist()])), dtype=np.int64)
        ids = ids[allowed[ids]] if len(ids) else ids
        if not len(ids):
            return Evidence([], sources, 0.0, 0.0, 0.0, known, terms)
        dense, lexical, scores, sentence, fused = self._score(vector, bm25, ids)
        order = np.argsort(-fused, kind="stable")[:k]
        hits = [
            Hit(
                passage=self.index.passages[ids[i]],
                score=round(float(fused[i]), 4),
                dense=float(dense[i]),
                lexical=float(lexical[i]),
                sentence=float(sentence[i]),
                highlights=self._highlights(scores, int(i), int(ids[i])),
            )
            for i in order
        ]
        return Evidence(hits, sources, float(dense.max()), float(sentence.max()), float(bm25.max()), known, terms)

    def _lexical(
        self, question: str, expansion: Expansion
    ) -> tuple[bool, npt.NDArray[np.bool_], npt.NDArray[np.float32], int, int]:
        """Whether the question asks for sources, which passages may answer it, and their BM25."""
        sources = wants_sources(question) and bool(self._is_reference.any())
        allowed = self._is_reference if sources else ~self._is_reference
        bm25, known, terms = self.index.lexical.match(question, expansion)
        return sources, allowed, np.where(allowed, bm25, 0.0).astype(np.float32), known, terms

    def _score(
        self, vector: npt.NDArray[np.float32], bm25: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]
    ) -> tuple[Scores, Scores, "_SentenceScores", Scores, Scores]:
        """Dense, scaled BM25, sentence cosines, best-sentence score and fused score of the passages `ids`."""
        dense = self.index.vectors[ids] @ vector
        lexical = bm25[ids] / bm25.max() if bm25.max() > 0 else np.zeros(len(ids), dtype=np.float32)
        scores = self._sentence_scores(vector, ids)
        sentence = self._best_sentences(scores)
        return dense, lexical, scores, sentence, self._fuse(dense, lexical, sentence)

    def _fuse(
        self, dense: npt.NDArray[np.float32], lexical: npt.NDArray[np.float32], sentence: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """Each candidate's score under the method: the hybrid score, RRF, or one signal alone."""
        fused: Scores
        if self.method == "dense":
            fused = dense
        elif self.method == "bm25":
            fused = lexical
        elif self.method == "rrf":
            # Reciprocal-rank fusion of the two lists, the usual baseline for hybrid search.
            fused = 1 / (_RRF_K + _ranks(-dense)) + 1 / (_RRF_K + _ranks(-lexical))
        else:
            fused = hybrid_score(dense, lexical, sentence, self.lexical_weight, self.sentence_weight)
        return fused.astype(np.float64)

    def _sentence_scores(self, vector: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]) -> "_SentenceScores":
        """Cosine of every sentence of the candidate passages, in one product."""
        first = self._sentence_rows[ids]
        counts = self._sentence_rows[ids + 1] - first
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rows = np.repeat(first - starts, counts) + np.arange(int(counts.sum()))
        block = np.asarray(self.index.sentence_vectors[rows], dtype=np.float32)
        lead_in = self._lead_in[rows]
        # A passage made only of lead-ins keeps them; otherwise they never stand alone (see _best_sentences).
        lead_in &= ~np.repeat(np.logical_and.reduceat(lead_in, starts), counts)
        return _SentenceScores(block, block @ vector, starts, counts, lead_in)

    def _best_sentences(self, scores: "_SentenceScores") -> npt.NDArray[np.float32]:
        """Per passage: the mean of its best sentence's and its best sentence pair's cosine.

        A lone sentence loses its context ("These are called biomarkers."), a pair keeps
        some; the pair vector is the normalized sum of the two sentence vectors, so its
        cosine is the sum of the two cosines over the norm of that sum. A lead-in
        ("Immunotherapy may be used:") only points to what follows, so it counts in a
        pair but not as the best sentence on its own.
        """
        single = np.maximum.reduceat(np.where(scores.lead_in, -np.inf, scores.cosines), scores.starts)
        if len(scores.cosines) < 2:
            return single
        block, cosines = scores.block, scores.cosines
        pairs = (cosines[:-1] + cosines[1:]) / np.linalg.norm(block[:-1] + block[1:], axis=1)
        # Slot j pairs sentence j with j + 1; at a passage's last sentence that would be the next
        # passage's first, so that slot holds no pair.
        pairs = np.append(pairs, -np.inf)
        pairs[scores.starts + scores.counts - 1] = -np.inf
        window = np.maximum.reduceat(pairs, scores.starts)
        window = np.where(scores.counts > 1, window, single)
        return ((single + window) / 2).astype(np.float32)

    def _highlights(self, scores: "_SentenceScores", position: int, pid: int) -> tuple[Span, ...]:
        """The passage's best-matching sentence, as offsets within the passage text.

        A lead-in ("... include:") is only a pointer to what follows, so it is never the
        highlight when the passage has another sentence.
        """
        passage = self.index.passages[pid]
        rows = slice(scores.starts[position], scores.starts[position] + scores.counts[position])
        cosines = np.where(scores.lead_in[rows], -np.inf, scores.cosines[rows])
        start, end = passage.sentences[int(cosines.argmax())]
        return ((start - passage.start, end - passage.start),)


@dataclass(frozen=True)
class _SentenceScores:
    """The candidates' sentence vectors and cosines, flat; passage i owns starts[i]:starts[i]+counts[i].

    `lead_in` marks the lead-ins of passages that have another sentence.
    """

    block: npt.NDArray[np.float32]
    cosines: npt.NDArray[np.float32]
    starts: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    lead_in: npt.NDArray[np.bool_]


def _is_lead_in(passage: Passage, span: Span) -> bool:
    """A sentence ending in ':' introduces a list rather than saying something itself."""
    return passage.text[span[0] - passage.start : span[1] - passage.start].endswith(":")


def _ranks(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """1-based rank of each value in ascending order."""
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(values, kind="stable")] = np.arange(1, len(values) + 1)
    return ranks


def _top(scores: npt.NDArray[np.float32], count: int) -> npt.NDArray[np.int64]:
    """Indices of the `count` highest positive scores, best first, in linear time."""
    candidates = np.argpartition(-scores, count)[:count] if len(scores) > count else np.arange(len(scores))
    candidates = candidates[scores[candidates] > 0]
    return candidates[np.argsort(-scores[candidates], kind="stable")]
