"""How a passage's signals (dense cosine, BM25, best sentence) make one score, under each ranking method."""

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Method = Literal["hybrid", "rrf", "dense", "bm25"]
Scores = npt.NDArray[np.floating[Any]]
_RRF_K = 60


def hybrid_score(
    dense: Scores, lexical: Scores, sentence: Scores, lexical_weight: float, sentence_weight: float
) -> Scores:
    """Passage cosine, plus weighted BM25 scaled to the best match and best-sentence cosine."""
    fused: Scores = dense + lexical_weight * lexical + sentence_weight * sentence
    return fused


def fuse(
    method: Method, dense: Scores, lexical: Scores, sentence: Scores, lexical_weight: float, sentence_weight: float
) -> npt.NDArray[np.float64]:
    """Each candidate's score under the method: the hybrid score, RRF, or one signal alone."""
    fused: Scores
    if method == "dense":
        fused = dense
    elif method == "bm25":
        fused = lexical
    elif method == "rrf":
        # Reciprocal-rank fusion of the two lists, the usual baseline for hybrid search.
        fused = 1 / (_RRF_K + _ranks(-dense)) + 1 / (_RRF_K + _ranks(-lexical))
    else:
        fused = hybrid_score(dense, lexical, sentence, lexical_weight, sentence_weight)
    return fused.astype(np.float64)


def _ranks(values: Scores) -> npt.NDArray[np.float64]:
    """1-based rank of each value in ascending order."""
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[np.argsort(values, kind="stable")] = np.arange(1, len(values) + 1)
    return ranks
