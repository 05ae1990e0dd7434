"""Hybrid retrieval: dense (FAISS) and BM25 candidates, fused, then re-scored by best sentence."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from qa.chunking import Passage, PassageKind
from qa.index import Index
from qa.lexical import LexicalIndex, Match
from qa.sentences import Span

Method = Literal["hybrid", "rrf", "dense", "bm25"]
# What a question is about: the medical content, the document's sources, who wrote it, when, or the helpline.
Intent = Literal["medical", "sources", "credit", "revised", "helpline"]
Expansion = Sequence[tuple[str, float]]
Scores = npt.NDArray[np.floating[Any]]
_RRF_K = 60

_SOURCE_INTENT = re.compile(
    r"\b(sources?|references?|citations?|cited?|bibliograph\w*|studies|journals?|based on"
    r"|(?:information|info|article|page|this|content|facts?|data)\b.*\b(?:comes?|came) from)\b",
    re.IGNORECASE,
)
_CREDIT_INTENT = re.compile(
    r"\b(authors?|wrote|written|writer|who (?:made|developed|reviewed|created|published)|reviewed by|checked)\b",
    re.IGNORECASE,
)
_REVISED_INTENT = re.compile(
    r"\b((?:last )?(?:updated|revised)|how (?:old|recent|current)|how up.to.date)\b", re.IGNORECASE
)
_HELPLINE_INTENT = re.compile(
    r"\b(helpline|hotline|live chat|chat|phone number|number to call|call (?:you|someone|somebody|anyone|a person)"
    r"|call (?:at|on|during|any ?time|late|tonight|now|today)"
    r"|(?:someone|somebody|anyone|who) (?:i|we) (?:can|could) (?:call|talk to|speak to|speak with)"
    r"|(?:talk|speak) (?:to|with) (?:someone|somebody|anyone|a person|a specialist|a real person))\b",
    re.IGNORECASE,
)
INTENT_KINDS: dict[Intent, tuple[PassageKind, ...]] = {
    "medical": ("content",),
    "sources": ("reference", "credit"),
    "credit": ("credit",),
    "revised": ("revised",),
    "helpline": ("helpline",),
}
_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("helpline", _HELPLINE_INTENT),
    ("sources", _SOURCE_INTENT),
    ("credit", _CREDIT_INTENT),
    ("revised", _REVISED_INTENT),
)
_COVER_DEPTH = 3


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
    """Ranked hits plus question-level signals used to decide whether to answer.

    `vector` is the question's own embedding: which subjects the corpus answers is learnt from it.
    """

    hits: list[Hit]
    intent: Intent
    top_dense: float
    top_sentence: float
    lexical_top: float
    known_terms: int
    terms: int
    covered_first: float = 0.0
    covered_top: float = 0.0
    margin: float = 0.0
    agree: bool = False
    salience: float = 0.0
    vector: npt.NDArray[np.float32] | None = field(default=None, compare=False)


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


def question_intent(question: str) -> Intent:
    """Does the question ask about the helpline, the document itself, or medicine?

    Only passages of the matching kind can answer it: the helpline block, the references,
    the lines on who developed the document or when it was revised, or the content.
    """
    for intent, pattern in _INTENTS:
        if pattern.search(question):
            return intent
    return "medical"


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
        dense, lexical, scores, sentence, fused = self._score(vector, bm25, ids)
        ranked = np.argsort(-fused, kind="stable")
        order = ranked[:k]
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
        return Evidence(
            hits,
            intent,
            float(dense.max()),
            float(sentence.max()),
            float(bm25.max()),
            known,
            terms,
            covered_first=covered(match, self.index.lexical, ids[ranked[:1]]),
            covered_top=covered(match, self.index.lexical, ids[ranked[:_COVER_DEPTH]]),
            margin=float(fused[ranked[0]] - fused[ranked[1]]) if len(ranked) > 1 else float(fused[ranked[0]]),
            agree=bool(dense.argmax() == lexical.argmax()) and bool(lexical.max() > 0),
            salience=match.salience,
            vector=vector,
        )

    def _lexical(self, question: str, expansion: Expansion) -> tuple[Intent, npt.NDArray[np.bool_], Match, Scores]:
        """What the question asks about, which passages may answer it, its terms, and their BM25."""
        intent = question_intent(question)
        allowed = self._allowed[intent]
        if not allowed.any():
            intent, allowed = "medical", self._allowed["medical"]
        match = self.index.lexical.match(question, expansion)
        return intent, allowed, match, np.where(allowed, match.scores, 0.0).astype(np.float32)

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
