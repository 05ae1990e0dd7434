"""Fit the urgency check's second opinion: a logistic model on the question's embedding, written to qa/urgency.json.

    python -m evaluation.urgency_fit [PATH]

Fitted on every question of eval/symptoms.jsonl and eval/symptoms-train-more.jsonl (urgent or not) and, as
ordinary questions, eval/immunotherapy.jsonl and eval/smalltalk.jsonl. C and the threshold were chosen by
5-fold cross-validation on these questions (docs/conversations.md); eval/symptoms-holdout.jsonl is never
fitted on. Needs scikit-learn (the `eval` extra).
"""

import json
import sys
from pathlib import Path

import numpy as np

from qa.embedding import load_encoder
from qa.refusal import Logistic
from qa.settings import PROJECT_ROOT, Settings
from qa.urgency import MODEL_FILE, UrgencyModel

EVAL = PROJECT_ROOT / "eval"
SYMPTOMS = ("symptoms.jsonl", "symptoms-train-more.jsonl")
ORDINARY = ("immunotherapy.jsonl", "smalltalk.jsonl")
_C = 3.0
_THRESHOLD = 0.7


def training_set() -> tuple[list[str], list[bool]]:
    """The questions to fit on and whether each is urgent."""
    questions: list[str] = []
    urgent: list[bool] = []
    for name in (*SYMPTOMS, *ORDINARY):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                questions.append(record["question"])
                urgent.append(bool(record.get("urgent", False)))
    return questions, urgent


def fit(vectors: np.ndarray, urgent: list[bool]) -> Logistic:
    """Logistic regression on the embeddings (balanced classes), as the library's Logistic."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=_C, class_weight="balanced", max_iter=5000).fit(vectors, urgent)
    weights = tuple(round(float(w), 6) for w in fitted.coef_[0])
    return Logistic((), round(float(fitted.intercept_[0]), 6), _THRESHOLD, weights)


def main(arguments: list[str]) -> None:
    target = Path(arguments[0]) if arguments else MODEL_FILE
    questions, urgent = training_set()
    vectors = load_encoder(Settings(quantize=False)).encode(questions)
    UrgencyModel(fit(vectors, urgent)).save(target, fitted_on=[*SYMPTOMS, *ORDINARY], C=_C)
    print(f"Fitted on {len(questions)} questions ({sum(urgent)} urgent); written to {target}.")


if __name__ == "__main__":
    main(sys.argv[1:])
