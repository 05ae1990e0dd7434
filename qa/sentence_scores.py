"""Sentence-level scores of candidate passages: the best sentence and sentence pair, and the highlight."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qa.chunking import Passage
from qa.index import Index
from qa.sentences import Span


@dataclass(frozen=True)
class SentenceScores:
    """The candidates' sentence vectors and cosines, flat; passage i owns starts[i]:starts[i]+counts[i].

    `lead_in` marks the lead-ins of passages that have another sentence.
    """

    block: npt.NDArray[np.float32]
    cosines: npt.NDArray[np.float32]
    starts: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    lead_in: npt.NDArray[np.bool_]


class SentenceScorer:
    """Scores the sentences of an index's passages against a question vector."""

    def __init__(self, index: Index) -> None:
        self.index = index
        counts = np.array([len(p.sentences) for p in index.passages])
        self._rows = np.concatenate([[0], np.cumsum(counts)])
        self._lead_in = np.array([_is_lead_in(p, span) for p in index.passages for span in p.sentences], dtype=bool)

    def scores(self, vector: npt.NDArray[np.float32], ids: npt.NDArray[np.int64]) -> SentenceScores:
        """Cosine of every sentence of the candidate passages (positions in the index), in one product."""
        first = self._rows[ids]
        counts = self._rows[ids + 1] - first
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rows = np.repeat(first - starts, counts) + np.arange(int(counts.sum()))
        block = np.asarray(self.index.sentence_vectors[rows], dtype=np.float32)
        lead_in = self._lead_in[rows]
        # A passage made only of lead-ins keeps them; otherwise they never stand alone (see best_sentences).
        lead_in &= ~np.repeat(np.logical_and.reduceat(lead_in, starts), counts)
        return SentenceScores(block, block @ vector, starts, counts, lead_in)

    def highlights(self, scores: SentenceScores, position: int, pid: int) -> tuple[Span, ...]:
        """The passage's best-matching sentence, as offsets within the passage text.

        A lead-in ("... include:") is only a pointer to what follows, so it is never the
        highlight when the passage has another sentence.
        """
        passage = self.index.passages[pid]
        rows = slice(scores.starts[position], scores.starts[position] + scores.counts[position])
        cosines = np.where(scores.lead_in[rows], -np.inf, scores.cosines[rows])
        start, end = passage.sentences[int(cosines.argmax())]
        return ((start - passage.start, end - passage.start),)


def best_sentences(scores: SentenceScores) -> npt.NDArray[np.float32]:
    """Per passage: the mean of its best sentence's and its best sentence pair's cosine.

    A lone sentence loses its context ("These are called biomarkers."), a pair keeps
    some; the pair vector is the normalized sum of the two sentence vectors, so its
    cosine is the sum of the two cosines over the norm of that sum (0 for zeroed vectors).
    A lead-in ("Immunotherapy may be used:") only points to what follows, so it counts in
    a pair but not as the best sentence on its own.
    """
    single = np.maximum.reduceat(np.where(scores.lead_in, -np.inf, scores.cosines), scores.starts)
    if len(scores.cosines) < 2:
        return single
    block, cosines = scores.block, scores.cosines
    sums = cosines[:-1] + cosines[1:]
    norms = np.linalg.norm(block[:-1] + block[1:], axis=1)
    pairs = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
    # Slot j pairs sentence j with j + 1; at a passage's last sentence that would be the next
    # passage's first, so that slot holds no pair.
    pairs = np.append(pairs, -np.inf)
    pairs[scores.starts + scores.counts - 1] = -np.inf
    window = np.maximum.reduceat(pairs, scores.starts)
    window = np.where(scores.counts > 1, window, single)
    return ((single + window) / 2).astype(np.float32)


def _is_lead_in(passage: Passage, span: Span) -> bool:
    """A sentence ending in ':' introduces a list rather than saying something itself."""
    return passage.text[span[0] - passage.start : span[1] - passage.start].endswith(":")
