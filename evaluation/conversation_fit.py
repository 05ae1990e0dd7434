"""Fit the follow-up settings (weight, decay, specificity) on the train dialogues by grid search.

`python -m evaluation.conversation_fit eval/dialogues.jsonl [corpus index_dir] ...` prints, for every
grid point, R@1 and MRR@10 of the follow-ups and of the topic switches, per file, train split only.
"""

import itertools
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evaluation.metrics import (
    LabelledQuestion,
    dialogue_evidence,
    first_hit_rank,
    load_questions,
    mean_reciprocal_rank,
    recall_at,
)
from qa.encoder import Encoder
from qa.engine import Engine, load_engine
from qa.index import ensure_index
from qa.question_encoder import QuestionEncoder
from qa.search import Search
from qa.settings import Settings

WEIGHTS = (0.5, 0.7, 0.9)
DECAYS = (1.0, 0.7)
SPECIFICITIES = (0.7, 0.8, 0.9, 100.0)  # 100: the rule off
_NAMES = ("history_weight", "history_decay", "history_specificity")  # the settings a grid point sets


class _MemoEncoder:
    """The engine's encoder, each text encoded once for the whole grid."""

    def __init__(self, encoder: Encoder) -> None:
        self.name, self.dimension = encoder.name, encoder.dimension
        self._encode = lru_cache(maxsize=None)(lambda text: encoder.encode([text])[0])

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.stack([self._encode(text) for text in texts])


def grid(engine: Engine, questions: list[LabelledQuestion]) -> Iterator[tuple[tuple[float, ...], dict[str, float]]]:
    """Follow-up and switch figures of every grid point (weight, decay, specificity)."""
    for point in itertools.product(WEIGHTS, DECAYS, SPECIFICITIES):
        search = Search(engine.settings.model_copy(update=dict(zip(_NAMES, point, strict=True))))
        evidence, _ = dialogue_evidence(engine.using(search=search), questions, "with history")
        ranks: dict[str, list[int | None]] = {}
        for q, ev in zip(questions, evidence, strict=True):
            ranks.setdefault("switch" if q.style == "switch" else "followup", []).append(first_hit_rank(ev, q.gold))
        figures = {
            f"{style} {name}": f(r)
            for style, r in ranks.items()
            for name, f in (("R@1", lambda r: recall_at(r, 1)), ("MRR", mean_reciprocal_rank))
        }
        yield point, figures


def main(arguments: list[str]) -> None:
    settings = Settings()
    path, rest = Path(arguments[0]), arguments[1:]
    if rest:
        settings = settings.model_copy(update={"corpus": Path(rest[0]), "index_dir": Path(rest[1])})
    settings = settings.model_copy(update={"cache_size": 0})
    index = ensure_index(settings)
    engine = load_engine(settings, index)
    engine = engine.using(encoder=QuestionEncoder(_MemoEncoder(engine.encoder.encoder)))
    dialogues = load_questions(path, index.corpus, "train")
    questions = [q for q in dialogues if q.history and q.style in ("followup", "switch")]
    for (weight, decay, specificity), figures in grid(engine, questions):
        print(
            f"weight {weight:.1f} decay {decay:.1f} specificity {specificity:5.1f} "
            + " ".join(f"{k} {v:.3f}" for k, v in sorted(figures.items())),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
