"""Hybrid retrieval: each hit's scores are the ones its docstrings promise, passage by passage."""

import numpy as np
import pytest

from qa.engine import Engine
from qa.index import Index
from qa.intent import INTENT_KINDS

QUESTIONS = [
    "Can I take immunotherapy as a pill?",
    "side efects of imunotherapy",
    "How is immunotherapy different from chemo, and how often is it given?",
    "who checked this information",
]


def _sentence_vectors(index: Index, passage_number: int) -> np.ndarray:
    first = sum(len(p.sentences) for p in index.passages[:passage_number])
    count = len(index.passages[passage_number].sentences)
    return np.asarray(index.sentence_vectors[first : first + count], dtype=np.float32)


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_hit_scores_its_best_sentence_and_pair_and_highlights_the_best_sentence(
    service: Engine, question: str
) -> None:
    snapshot = service.stages.builds.snapshot
    [evidence] = service.evidence([question], 10)
    [vector] = service.encoder.encoder.encode([snapshot.index.speller.correct(question)])
    numbers = {p.id: n for n, p in enumerate(snapshot.index.passages)}
    searched = [p for p in snapshot.index.passages if p.kind in INTENT_KINDS[evidence.intent]]
    assert len(evidence.hits) == min(10, len(searched))
    for hit in evidence.hits:
        block = _sentence_vectors(snapshot.index, numbers[hit.passage.id])
        single = block @ vector
        if len(block) > 1:
            pairs = block[:-1] + block[1:]
            window = (pairs @ vector) / np.linalg.norm(pairs, axis=1)
        else:
            window = single
        if "," not in question:  # a two-part question keeps each passage's best over its parts
            # A lead-in ("...include:") is never the best sentence alone, unless the passage is only lead-ins.
            lead_ins = [
                hit.passage.text[s - hit.passage.start : e - hit.passage.start].endswith(":")
                for s, e in hit.passage.sentences
            ]
            allowed = [i for i, lead_in in enumerate(lead_ins) if not lead_in] or list(range(len(lead_ins)))
            best = max(allowed, key=lambda i: single[i])
            assert hit.sentence == pytest.approx((single[best] + window.max()) / 2, abs=1e-5)
            start, end = hit.passage.sentences[best]
            assert hit.highlights == ((start - hit.passage.start, end - hit.passage.start),)
        assert hit.score == pytest.approx(
            hit.dense + service.settings.lexical_weight * hit.lexical + service.settings.sentence_weight * hit.sentence,
            abs=1e-3,
        )
