"""Decide what a question gets: an answer, the closest passages marked as related, or nothing.

Two logistic models over question-level evidence: `on_topic` (is the question one the corpus
could answer at all, or off-topic?) and `answers` (do the best passages answer it, or are they
only about its subject?). They are fitted on the train split of the evaluation set by
`qa eval --fit-refusal PATH`; the package ships them in `refusal.json`, and QA_REFUSAL_MODEL
names another file. `answers` also weighs the question's own embedding, so it
learns which subjects the corpus covers from the labelled questions.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from qa.evidence import Evidence

MODEL_FILE = Path(__file__).with_name("refusal.json")
Status = Literal["answered", "related", "not_found"]
FEATURES = (
    "top_sentence",
    "top_dense",
    "coverage",
    "unknown_terms",
    "lexical",
    "covered_first",
    "covered_top",
    "margin",
    "agree",
    "terms",
    "salience",
)


def features(evidence: Evidence) -> list[float]:
    """Signals that separate answered questions from the rest (order as FEATURES).

    Words the corpus never uses (after typo correction) are strong evidence that it does
    not answer: "pregnant", "insurance" or a drug name it never mentions; so is a best
    passage that leaves the question's rarer words uncovered.
    """
    coverage = evidence.known_terms / evidence.terms if evidence.terms else 0.0
    unknown = min(evidence.terms - evidence.known_terms, 3)
    return [
        evidence.top_sentence,
        evidence.top_dense,
        coverage,
        float(unknown),
        math.log1p(evidence.lexical_top),
        evidence.covered_first,
        evidence.covered_top,
        evidence.margin,
        float(evidence.agree),
        math.log1p(evidence.terms),
        evidence.salience,
    ]


@dataclass(frozen=True)
class Logistic:
    """Passes when sigmoid(weights . features + vector_weights . question vector + bias) >= threshold.

    Without `vector_weights` the question's embedding plays no part.
    """

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    vector_weights: tuple[float, ...] = ()

    def probability(self, values: list[float], vector: npt.NDArray[np.float32] | None = None) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, values, strict=True))
        if self.vector_weights and vector is not None:
            z += float(np.dot(self.vector_weights, vector))
        return 1.0 / (1.0 + math.exp(-max(min(z, 500.0), -500.0)))

    def passes(self, values: list[float], vector: npt.NDArray[np.float32] | None = None) -> bool:
        return self.probability(values, vector) >= self.threshold


@dataclass(frozen=True)
class Assessment:
    """A status, with the two models' probabilities when they took it (a medical question with passages)."""

    status: Status
    on_topic: float | None = None
    answers: float | None = None


@dataclass(frozen=True)
class RefusalModel:
    """The two decisions behind an answer's status."""

    answers: Logistic
    on_topic: Logistic

    def decide(self, evidence: Evidence) -> Status:
        """`answered` when the passages answer; `related` when they are only about the subject."""
        return self.assess(evidence).status

    def assess(self, evidence: Evidence) -> "Assessment":
        """The status, and both models' probabilities when they decide it (features computed once).

        Questions about the source or the helpline are answered by those lines whenever
        there are any.
        """
        if not evidence.hits:
            return Assessment("not_found")
        if evidence.intent != "medical":
            return Assessment("answered")
        values = features(evidence)
        on_topic = self.on_topic.probability(values, evidence.vector)
        answers = self.answers.probability(values, evidence.vector)
        if not on_topic >= self.on_topic.threshold:  # as Logistic.passes, NaN included
            return Assessment("not_found", on_topic, answers)
        return Assessment("answered" if answers >= self.answers.threshold else "related", on_topic, answers)

    def near_threshold(self, assessment: "Assessment", band: float) -> bool:
        """Whether a decision the models took lies within `band` of its threshold (in probability)."""
        if assessment.on_topic is None or assessment.answers is None:
            return False
        if abs(assessment.on_topic - self.on_topic.threshold) < band:
            return True
        on_topic = assessment.on_topic >= self.on_topic.threshold
        return on_topic and abs(assessment.answers - self.answers.threshold) < band

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "RefusalModel":
        data = json.loads(path.read_text())
        models = {
            name: Logistic(tuple(m["weights"]), m["bias"], m["threshold"], tuple(m.get("vector_weights", ())))
            for name, m in data["models"].items()
        }
        return cls(models["answers"], models["on_topic"])

    def save(self, path: Path, **notes: object) -> None:
        models = {name: getattr(self, name).__dict__ for name in ("answers", "on_topic")}
        data = {"features": FEATURES, "models": models, **notes}
        path.write_text(json.dumps(data, indent=2) + "\n")
