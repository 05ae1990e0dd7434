"""Fit the urgency check's second opinion: a logistic model on the question's embedding, written to qa/urgency.json.

    python -m evaluation.urgency_fit [PATH]     fit on every training question and write the model
    python -m evaluation.urgency_fit --cv       5-fold cross-validation of C and the threshold

Fitted on every question of the SYMPTOMS files (urgent or not) and, as ordinary questions, the ORDINARY
files. C and the threshold were chosen by `--cv` on these questions (docs/conversations.md): the rules and
the model together, as the engine decides (small talk never urgent). eval/symptoms-holdout*.jsonl are never
fitted on. Needs scikit-learn (the `eval` extra).
"""

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from qa.embedding import load_encoder
from qa.refusal import Logistic
from qa.settings import PROJECT_ROOT, Settings
from qa.smalltalk import smalltalk_language
from qa.urgency import MODEL_FILE, UrgencyModel

EVAL = PROJECT_ROOT / "eval"
SYMPTOMS = (
    "symptoms.jsonl",
    "symptoms-train-more.jsonl",
    "symptoms-train-3.jsonl",
    "symptoms-train-4.jsonl",
    "symptoms-train-5.jsonl",
    "symptoms-train-6.jsonl",
)
ORDINARY = (
    "immunotherapy.jsonl",
    "smalltalk.jsonl",
    "ordinary-now.jsonl",
    "ordinary-now-2.jsonl",
    "ordinary-now-3.jsonl",
    "ordinary-emotion.jsonl",
)
_C = 10.0
_THRESHOLD = 0.5
_GRID_C = (1.0, 3.0, 10.0)
_GRID_THRESHOLD = (0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class TrainingSet:
    """The questions to fit on: whether each is urgent, a symptom question (else ordinary)."""

    questions: list[str]
    urgent: npt.NDArray[np.bool_]
    symptom: npt.NDArray[np.bool_]


def training_set() -> TrainingSet:
    """Every question of the SYMPTOMS and ORDINARY files."""
    records = [
        (json.loads(line), name in SYMPTOMS)
        for name in (*SYMPTOMS, *ORDINARY)
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return TrainingSet(
        [record["question"] for record, _ in records],
        np.array([bool(record.get("urgent", False)) for record, _ in records]),
        np.array([symptom for _, symptom in records]),
    )


def fit(vectors: npt.NDArray[np.float32], urgent: npt.NDArray[np.bool_], c: float = _C) -> Logistic:
    """Logistic regression on the embeddings (balanced classes), as the library's Logistic."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(vectors, urgent)
    weights = tuple(round(float(w), 6) for w in fitted.coef_[0])
    return Logistic((), round(float(fitted.intercept_[0]), 6), _THRESHOLD, weights)


def cross_validate(data: TrainingSet, vectors: npt.NDArray[np.float32]) -> list[str]:
    """Per C and threshold: urgent questions found, other symptom questions and ordinary questions marked."""
    from sklearn.model_selection import StratifiedKFold

    talk = np.array([smalltalk_language(question) is not None for question in data.questions])
    strata = data.urgent.astype(int) * 2 + data.symptom
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(vectors, strata))
    lines = []
    for c in _GRID_C:
        fitted: dict[int, Logistic] = {}  # each question's model: the one its fold was left out of
        for train, test in folds:
            model = fit(vectors[train], data.urgent[train], c)
            fitted.update(dict.fromkeys(test.tolist(), model))
        for threshold in _GRID_THRESHOLD:
            marked = np.array(
                [
                    not talk[i] and _urgent(data, vectors, i, replace(fitted[i], threshold=threshold))
                    for i in range(len(data.questions))
                ]
            )
            lines.append(
                f"C={c:g} threshold={threshold:g}: urgent found {marked[data.urgent].mean():.1%}, other symptom"
                f" questions marked {marked[data.symptom & ~data.urgent].mean():.1%}, ordinary questions marked"
                f" {marked[~data.symptom].mean():.1%}"
            )
    return lines


def _urgent(data: TrainingSet, vectors: npt.NDArray[np.float32], i: int, model: Logistic) -> bool:
    """Whether the engine's urgency check, with `model`, marks question `i`."""
    return UrgencyModel(model).urgency(data.questions[i], vectors[i]) is not None


def main(arguments: list[str]) -> None:
    data = training_set()
    vectors = load_encoder(Settings(quantize=False)).encode(data.questions)
    if arguments[:1] == ["--cv"]:
        print("\n".join(cross_validate(data, vectors)))
        return
    target = Path(arguments[0]) if arguments else MODEL_FILE
    UrgencyModel(fit(vectors, data.urgent)).save(target, fitted_on=[*SYMPTOMS, *ORDINARY], C=_C)
    print(f"Fitted on {len(data.questions)} questions ({int(data.urgent.sum())} urgent); written to {target}.")


if __name__ == "__main__":
    main(sys.argv[1:])
