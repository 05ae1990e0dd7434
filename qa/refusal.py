"""Decide whether the corpus answers a question, from dense and lexical evidence together.

A logistic model over a few question-level features; its weights are fitted on the train
split of the evaluation set by `qa eval --fit-refusal PATH`; the package ships them in `refusal.json`
and QA_REFUSAL_MODEL names another file.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from qa.retrieval import Evidence

MODEL_FILE = Path(__file__).with_name("refusal.json")
FEATURES = ("top_sentence", "top_dense", "coverage", "unknown_terms", "lexical")


def features(evidence: Evidence) -> list[float]:
    """Signals that separate real questions from off-topic ones (order as FEATURES).

    Words the corpus never uses (after typo correction) are strong evidence that it does
    not answer: "cost", "insurance" or a drug name it never mentions.
    """
    coverage = evidence.known_terms / evidence.terms if evidence.terms else 0.0
    unknown = min(evidence.terms - evidence.known_terms, 3)
    return [evidence.top_sentence, evidence.top_dense, coverage, float(unknown), math.log1p(evidence.lexical_top)]


@dataclass(frozen=True)
class RefusalModel:
    """answer when sigmoid(weights . features + bias) >= threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    def probability(self, evidence: Evidence) -> float:
        if not evidence.hits:
            return 0.0
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(evidence), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, evidence: Evidence) -> bool:
        """Questions about sources are answered by the reference list whenever there is one."""
        return (evidence.sources and bool(evidence.hits)) or self.probability(evidence) >= self.threshold

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "RefusalModel":
        data = json.loads(path.read_text())
        return cls(tuple(data["weights"]), data["bias"], data["threshold"])

    def save(self, path: Path, **notes: object) -> None:
        data = {"features": FEATURES, "weights": self.weights, "bias": self.bias, "threshold": self.threshold, **notes}
        path.write_text(json.dumps(data, indent=2) + "\n")
