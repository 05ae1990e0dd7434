"""Evaluate retrieval and outcomes on labelled questions: R@k, MRR@10, the three outcomes, baselines.

Two label formats are read, one JSON object per line:
- our own: {"question", "kind", "style", "split", "answers": [substring, ...]} where each substring is a
  distinctive phrase of the paragraph that answers and kind is answerable, offtopic, unanswerable, feeling
  (a message of feeling, no question) or fragment ("one more thing");
- MedQuAD: {"question", "doc_id", "start", "end", "qtype"} where text[start:end] is the gold answer.
"""

import json
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.misses import answer_type, miss, miss_order
from qa.chunking import Passage
from qa.documents import Corpus
from qa.engine import Engine
from qa.errors import CorpusError
from qa.evidence import Evidence
from qa.excerpts import SPARE
from qa.fusion import Method
from qa.refusal import Logistic, RefusalModel, Status, features

Gold = tuple[str, int, int]
STATUSES: tuple[Status, ...] = ("answered", "related", "not_found")
METHODS: tuple[Method, ...] = ("hybrid", "rrf", "bm25", "dense")
DIALOGUE_MODES = ("alone", "concatenated", "with history")
_DEPTH = 10
# Regularization of the refusal models: with the 384 vector weights, 0.3 (chosen by 5-fold
# cross-validation on the train split) keeps them from fitting single questions.
_C = 0.3


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    question: str
    kind: str
    style: str
    split: str
    gold: tuple[Gold, ...] = ()
    history: tuple[str, ...] = ()


@dataclass
class Report:
    """Figures for one method over one set of questions."""

    method: str
    questions: int
    answerable: int
    recall: dict[int, float]
    mrr: float
    by_style: dict[str, dict[str, float]]
    by_answer_type: dict[str, dict[str, float]] = field(default_factory=dict)
    # The answerable questions whose right passage is not first (evaluation.misses), and the first excerpt's length.
    misses: list[dict[str, Any]] = field(default_factory=list)
    first_excerpt_chars: dict[str, float] = field(default_factory=dict)
    refusal: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, dict[str, float]] = field(default_factory=dict)
    mean_passage_chars: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_questions(path: Path, corpus: Corpus, split: str = "all", limit: int | None = None) -> list[LabelledQuestion]:
    """Labelled questions from `path`, resolving substring labels to spans of the corpus."""
    items = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                item = _labelled(json.loads(line), corpus, number)
                if split in ("all", item.split):
                    items.append(item)
    return items[:limit] if limit else items


def _labelled(record: dict[str, Any], corpus: Corpus, number: int) -> LabelledQuestion:
    ident = str(record.get("id") or record.get("qid") or number)
    history = tuple(record.get("history", []))
    split = record.get("split", "all")
    if "doc_id" in record:
        gold: tuple[Gold, ...] = ((record["doc_id"], record["start"], record["end"]),)
        style = record.get("style") or record.get("qtype", "medquad")
        return LabelledQuestion(ident, record["question"], "answerable", style, split, gold, history)
    gold = tuple(_locate(phrase, corpus) for phrase in record.get("answers", []))
    return LabelledQuestion(ident, record["question"], record["kind"], record["style"], split, gold, history)


def _locate(phrase: str, corpus: Corpus) -> Gold:
    for doc in corpus:
        start = doc.text.find(phrase)
        if start >= 0:
            return doc.id, start, start + len(phrase)
    raise CorpusError(f"Label {phrase!r} does not occur in the corpus.")


def is_hit(passage: Passage, gold: tuple[Gold, ...]) -> bool:
    """The passage holds at least half of a gold phrase (all of it when it is short)."""
    for doc_id, start, end in gold:
        overlap = min(passage.end, end) - max(passage.start, start)
        if doc_id == passage.document_id and overlap > 0 and overlap >= min(end - start, 20) / 2:
            return True
    return False


def first_hit_rank(evidence: Evidence, gold: tuple[Gold, ...]) -> int | None:
    """The rank of the first excerpt shown (passage or joined excerpt) that holds the gold, from 1."""
    return next((rank for rank, hit in enumerate(evidence.hits, start=1) if is_hit(hit.shown, gold)), None)


def as_shown(engine: Engine, found: list[Evidence]) -> list[Evidence]:
    """The evidence as readers see it: the first passage joined into its excerpt (qa.excerpts), _DEPTH hits."""
    excerpts = engine.stages.builds.snapshot.excerpts
    return [replace(evidence, hits=excerpts.shown(evidence.hits)[:_DEPTH]) for evidence in found]


def evidence_for(engine: Engine, questions: list[LabelledQuestion], batch: int = 256) -> list[Evidence]:
    """Run questions through the engine's own retrieval path, in batches; hits as shown."""
    found: list[Evidence] = []
    for begin in range(0, len(questions), batch):
        texts = [q.question for q in questions[begin : begin + batch]]
        found.extend(engine.evidence(texts, _DEPTH + SPARE))
    return as_shown(engine, found)


def dialogue_evidence(
    engine: Engine, questions: list[LabelledQuestion], mode: str
) -> tuple[list[Evidence], list[list[int]]]:
    """Evidence for follow-up questions in one of DIALOGUE_MODES, and the earlier turns each used.

    "alone" ignores the history, "concatenated" puts all earlier questions in front of the
    question, "with history" is the engine's own resolution.
    """
    if mode == "alone":
        return evidence_for(engine, questions), [[] for _ in questions]
    if mode == "concatenated":
        joined = [replace(q, question=" ".join([*q.history, q.question])) for q in questions]
        return evidence_for(engine, joined), [list(range(len(q.history))) for q in questions]
    found = [engine.followup_evidence(q.question, q.history, _DEPTH + SPARE) for q in questions]
    return as_shown(engine, [evidence for evidence, _ in found]), [used for _, used in found]


def score(method: str, questions: list[LabelledQuestion], evidence: list[Evidence], engine: Engine | None) -> Report:
    """R@1/3/5/10 and MRR@10 over answerable questions, by question style and answer type, with each miss and
    the first excerpt's length; outcomes per kind when an engine is given."""
    answerable = [(q, ev) for q, ev in zip(questions, evidence, strict=True) if q.kind == "answerable"]
    ranks = [first_hit_rank(ev, q.gold) for q, ev in answerable]
    styles: dict[str, list[int | None]] = defaultdict(list)
    types: dict[str, list[int | None]] = defaultdict(list)
    for (q, _), rank in zip(answerable, ranks, strict=True):
        styles[q.style].append(rank)
        types[answer_type(q.question)].append(rank)
    firsts = [len(ev.hits[0].shown.text) for _, ev in answerable if ev.hits]
    missed = [
        miss(q.id, q.question, q.style, rank, ev.hits[0].shown if ev.hits else None)
        for (q, ev), rank in zip(answerable, ranks, strict=True)
        if rank != 1
    ]
    report = Report(
        method=method,
        questions=len(questions),
        answerable=len(ranks),
        recall={k: recall_at(ranks, k) for k in (1, 3, 5, 10)},
        mrr=mean_reciprocal_rank(ranks),
        by_style={style: group_figures(found) for style, found in sorted(styles.items())},
        by_answer_type={kind: group_figures(found) for kind, found in sorted(types.items())},
        misses=sorted(missed, key=miss_order),
        first_excerpt_chars={"mean": round(statistics.mean(firsts), 1), "max": max(firsts)} if firsts else {},
    )
    if engine is not None:
        _add_refusal(report, questions, evidence, engine)
    return report


def group_figures(ranks: list[int | None]) -> dict[str, float]:
    """R@1, R@3 and MRR@10 of a group of questions (ranks: 1-based, None for no hit)."""
    return {
        "n": len(ranks),
        "R@1": recall_at(ranks, 1),
        "R@3": recall_at(ranks, 3),
        "MRR@10": mean_reciprocal_rank(ranks),
    }


def _add_refusal(report: Report, questions: list[LabelledQuestion], evidence: list[Evidence], engine: Engine) -> None:
    """Per kind: the share not answered (`refusal`) and the share of each status (`outcomes`)."""
    statuses: dict[str, list[Status]] = defaultdict(list)
    lengths: list[int] = []
    for q, ev in zip(questions, evidence, strict=True):
        status = engine.stages.decision.refusal.decide(ev)
        statuses[q.kind].append(status)
        if status == "answered" and q.kind == "answerable":
            lengths.extend(len(hit.shown.text) for hit in ev.hits[: engine.settings.top_k_default])
    report.refusal = {kind: _share(found, "related", "not_found") for kind, found in sorted(statuses.items())}
    report.outcomes = {
        kind: {"n": len(found), **{status: _share(found, status) for status in STATUSES}}
        for kind, found in sorted(statuses.items())
    }
    report.mean_passage_chars = round(statistics.mean(lengths), 1) if lengths else None


def _share(found: list[Status], *wanted: Status) -> float:
    return round(sum(1 for status in found if status in wanted) / len(found), 4)


def recall_at(ranks: list[int | None], k: int) -> float:
    """Share of questions whose first hit ranks k or better (ranks: 1-based, None for no hit)."""
    return round(sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 4) if ranks else 0.0


def mean_reciprocal_rank(ranks: list[int | None]) -> float:
    """MRR@10 (ranks: 1-based, None for no hit)."""
    return round(sum(1 / r for r in ranks if r is not None and r <= _DEPTH) / len(ranks), 4) if ranks else 0.0


def fit_refusal(
    questions: list[LabelledQuestion],
    evidence: list[Evidence],
    max_false_refusal: float = 0.04,
    max_lost: float = 0.01,
) -> RefusalModel:
    """Fit both decisions on the medical questions of the given set (use the train split).

    `on_topic`: answerable against off-topic questions; its threshold is the highest that
    keeps at least 1 - `max_lost` of the answerable ones. `answers`: answerable against
    unanswerable on-topic questions and messages of feeling (kind "feeling": "they told me it's
    cancer today and I can't stop crying", which no passage answers); its threshold is the highest
    that refuses at most `max_false_refusal` of the answerable ones, a margin under the 5% target for
    unseen questions. Messages of feeling stay out of `on_topic`: in it they made off-topic
    questions `related`; so do the questions wrapped in feeling (style "feeling-question"), which
    moved its threshold onto "TIL". Fragments ("one more thing") are in neither: in `answers` they
    weighed against one-word keyword questions (docs/evaluation.md).
    """
    used = [(q, ev) for q, ev in zip(questions, evidence, strict=True) if ev.hits and ev.intent == "medical"]
    x = np.array([features(ev) for _, ev in used])
    vectors = np.array([ev.vector for _, ev in used])
    kinds = np.array([q.kind for q, _ in used])
    styles = np.array([q.style for q, _ in used])
    topic = np.isin(kinds, ("answerable", "offtopic")) & (styles != "feeling-question")
    on_topic = _logistic(x[topic], kinds[topic] == "answerable", max_lost)
    subject = np.isin(kinds, ("answerable", "unanswerable", "feeling"))
    answers = _logistic(x[subject], kinds[subject] == "answerable", max_false_refusal, vectors[subject])
    return RefusalModel(answers, on_topic)


def _logistic(x: np.ndarray, y: np.ndarray, max_miss: float, vectors: np.ndarray | None = None) -> Logistic:
    """Logistic regression on standardized features (and question vectors, when given), the
    scaling folded back into the weights; the threshold lets at most `max_miss` of the positive
    rows fail."""
    from sklearn.linear_model import LogisticRegression

    columns = x.shape[1]
    data = x if vectors is None else np.hstack([x, vectors])
    mean, std = data.mean(axis=0), data.std(axis=0) + 1e-9
    fitted = LogisticRegression(C=_C, class_weight="balanced", max_iter=5000).fit((data - mean) / std, y)
    weights = fitted.coef_[0] / std
    bias = float(fitted.intercept_[0] - (weights * mean).sum())
    model = Logistic(
        tuple(round(float(w), 6) for w in weights[:columns]),
        round(bias, 6),
        vector_weights=tuple(round(float(w), 6) for w in weights[columns:]),
    )
    positives = sorted(
        model.probability(list(row), None if vectors is None else vectors[i]) for i, row in enumerate(x) if y[i]
    )
    cut = positives[math.floor(max_miss * len(positives))]
    return replace(model, threshold=round(min(cut, 0.5), 4))
