"""What a search finds: ranked hits with the signals behind their rank, and the question-level signals."""

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from qa.chunking import Passage
from qa.intent import Intent
from qa.sentences import Span


@dataclass(frozen=True)
class Hit:
    """One ranked passage with the evidence behind its rank.

    `excerpt` is what a reader sees instead of the passage when neighbouring text is joined to it
    (qa.excerpts); `highlights` are offsets within the text shown.
    """

    passage: Passage
    score: float
    dense: float
    lexical: float
    sentence: float
    highlights: tuple[Span, ...]
    excerpt: Passage | None = None

    @property
    def shown(self) -> Passage:
        """The verbatim slice a reader sees: the excerpt, else the passage."""
        return self.excerpt or self.passage

    @property
    def best_sentence(self) -> Span:
        """The first highlight, in document offsets."""
        start, end = self.highlights[0]
        return self.shown.start + start, self.shown.start + end


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
