"""How far re-weighting the hybrid score alone can go on a labelled question set (issue 3).

Usage:

    python bench/fusion_ceiling.py eval/immunotherapy.jsonl [--corpus ...] [--index-dir ...]

The hybrid score is `cosine + a·BM25/max + b·sentence`. For every (a, b) on a grid this
re-ranks the same candidates (each part of a two-part question scored alone, best part kept,
as the engine does) and prints R@1, R@3 and MRR@10 on both splits for the shipped weights and
for the weights best on the train split, then the highest value each figure reaches anywhere on
the grid, each at its own weights. That last row is chosen on the very questions it scores, so
it is a ceiling for this family of scores, not a result.
"""

import argparse
import itertools
from pathlib import Path

import numpy as np

from evaluation.metrics import LabelledQuestion, is_hit, load_questions, mean_reciprocal_rank, recall_at
from qa.engine import load_engine
from qa.evidence import Evidence
from qa.fusion import hybrid_score
from qa.index import ensure_index
from qa.settings import Settings

LEXICAL_WEIGHTS = np.round(np.arange(0.0, 2.01, 0.1), 2)
SENTENCE_WEIGHTS = np.round(np.arange(0.0, 4.01, 0.25), 2)
_CANDIDATES = 100

Figures = tuple[float, float, float]


class Question:
    """One answerable question's candidates: their evidence per part, and which are hits."""

    def __init__(self, question: LabelledQuestion, parts: list[Evidence]) -> None:
        ids = sorted({hit.passage.id for part in parts for hit in part.hits})
        column = {pid: n for n, pid in enumerate(ids)}
        self.components = np.zeros((len(parts), len(ids), 3))
        self.found = np.zeros((len(parts), len(ids)), dtype=bool)  # was the passage a candidate for that part
        hits = {}
        for row, part in enumerate(parts):
            for hit in part.hits:
                self.components[row, column[hit.passage.id]] = (hit.dense, hit.lexical, hit.sentence)
                self.found[row, column[hit.passage.id]] = True
                hits[hit.passage.id] = is_hit(hit.passage, question.gold)
        self.hits = np.array([hits[pid] for pid in ids])

    def rank(self, lexical: float, sentence: float) -> int | None:
        """1-based rank of the first hit under these weights, or None when no candidate is one."""
        dense, bm25, best_sentence = np.moveaxis(self.components, -1, 0)
        fused = np.where(self.found, hybrid_score(dense, bm25, best_sentence, lexical, sentence), -np.inf).max(axis=0)
        order = np.argsort(-fused, kind="stable")
        found = np.flatnonzero(self.hits[order])
        return int(found[0]) + 1 if len(found) else None


def figures(questions: list[Question], lexical: float, sentence: float) -> Figures:
    """R@1, R@3 and MRR@10 under these weights."""
    ranks = [q.rank(lexical, sentence) for q in questions]
    return recall_at(ranks, 1), recall_at(ranks, 3), mean_reciprocal_rank(ranks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index-dir", type=Path)
    args = parser.parse_args()
    overrides = {key: value for key, value in (("corpus", args.corpus), ("index_dir", args.index_dir)) if value}
    settings = Settings(cache_size=0, **overrides)
    index = ensure_index(settings)
    engine = load_engine(settings, index)
    splits: dict[str, list[Question]] = {}
    for split in ("train", "test"):
        labelled = [q for q in load_questions(args.questions, index.corpus, split) if q.kind == "answerable"]
        found = engine.stages.search.part_evidence(
            engine.stages.builds.snapshot, [q.question for q in labelled], _CANDIDATES, engine.encoder.encoder
        )
        splits[split] = [Question(q, parts) for q, parts in zip(labelled, found, strict=True)]
    points = list(itertools.product(LEXICAL_WEIGHTS, SENTENCE_WEIGHTS))
    grid = {split: {weights: figures(questions, *weights) for weights in points} for split, questions in splits.items()}
    shipped = (settings.lexical_weight, settings.sentence_weight)
    trained = max(grid["train"], key=lambda weights: grid["train"][weights])
    print(f"{'weights (BM25, sentence)':<34} {'train R@1 / R@3 / MRR@10':>26} {'test R@1 / R@3 / MRR@10':>26}")
    for name, weights in (("shipped", shipped), ("best on train", trained)):
        cells = [_cell(figures(splits[split], *weights)) for split in splits]
        print(f"{name + ' ' + str(tuple(float(w) for w in weights)):<34} {cells[0]:>26} {cells[1]:>26}")
    ceilings = [_cell(_highest(grid[split])) for split in splits]
    print(f"{'highest anywhere on the grid':<34} {ceilings[0]:>26} {ceilings[1]:>26}")


def _highest(by_weights: dict[tuple[float, float], Figures]) -> Figures:
    """Each figure's maximum over the grid, wherever it is reached."""
    r1, r3, mrr = (max(values) for values in zip(*by_weights.values(), strict=True))
    return r1, r3, mrr


def _cell(values: Figures) -> str:
    return "{:.3f} / {:.3f} / {:.3f}".format(*values)


if __name__ == "__main__":
    main()
