"""Ranking experiments (issue 26): candidate changes against today's hybrid ranking, in one run.

Usage (float question encoder, as the issue asks):

    QA_QUANTIZE=false python -m bench.ranking [--test] [--article-only] [--cancergov-index-dir index-cancergov]

On the train split of eval/immunotherapy.jsonl (5-fold cross-validation for whatever is fitted or
chosen), on MedQuAD's CancerGov subset (bench/medquad, CC BY 4.0: Ben Abacha and Demner-Fushman,
https://github.com/abachaa/MedQuAD; attribution in bench/medquad/README.md; folds grouped by document)
and on the train dialogues, it prints R@1, R@3 and the mean and longest first excerpt of
(a) the first passage joined with the text it leads into or points back at (qa.excerpts),
(b) learned fusion of the retriever's signals (logistic, pointwise and pairwise),
(c) pseudo-relevance feedback on the dense vector, (d) document-level evidence, and (e) a prior from the
labelled questions of the other folds (how close the question is to a labelled question of each passage).
`--test` scores today's ranking and the kept candidate, (a) at 700 characters, on the test splits
(read once).
"""

import argparse
import functools
import itertools
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

from evaluation.metrics import LabelledQuestion, is_hit, load_questions, recall_at
from qa.chunking import Passage
from qa.engine import load_engine
from qa.evidence import Evidence, merge_evidence
from qa.excerpts import Excerpts
from qa.index import ensure_index
from qa.questions import encoder_inputs, question_parts
from qa.retrieval import covered
from qa.settings import Settings

_DEPTH = 20
_FOLDS = 5
_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|several|a few|few)\b[\w\s-]{0,12}?\b(?:minutes?|hours?|days?|weeks?|months?"
    r"|years?|cycles?)\b|\bcycles?\b|\b(?:how long|as long as|until)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|every|times?)\b", re.IGNORECASE)
_PLACE = re.compile(
    r"\b(?:hospitals?|clinics?|(?:doctor|doctor's|doctors’|doctor’s) office|cent(?:er|re)s?|home|outpatient"
    r"|infusion|in the hospital|at home)\b",
    re.IGNORECASE,
)
# What a question asks for, and what in a passage answers that (a duration for "how long" ...).
_CUES = (
    (re.compile(r"\bhow long\b|\bhow much time\b|\bduration\b", re.IGNORECASE), _DURATION),
    (re.compile(r"\bhow (?:many|often)\b", re.IGNORECASE), _NUMBER),
    (re.compile(r"\bwhere\b", re.IGNORECASE), _PLACE),
)
FEATURES = ("dense", "bm25", "sentence", "hybrid", "coverage", "position", "title", "answer type", "document")


@dataclass
class Case:
    """One labelled question's evidence: the whole question's and each part's, best first."""

    question: LabelledQuestion
    parts: list[Evidence]
    texts: list[str]  # what each part's BM25 read


@dataclass
class Figures:
    """R@1, R@3 and the first excerpt's mean and longest length of one candidate on one set."""

    r1: float
    r3: float
    mean_first: float
    max_first: int

    def __str__(self) -> str:
        return (
            f"R@1 {self.r1:.3f}  R@3 {self.r3:.3f}  first excerpt mean {self.mean_first:5.0f} max {self.max_first:4d}"
        )


Ranker = Callable[[Case], list[Passage]]


class Setup:
    """A corpus's engine (passages as chunked) and what the experiments read from its index."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings = settings.model_copy(update={"excerpt_max_chars": 0, "cache_size": 0})
        self.index = ensure_index(settings)
        self.engine = load_engine(settings, self.index)
        self.position = {p.id: i for i, p in enumerate(self.index.passages)}
        documents = self.index.corpus.documents
        counts: dict[str, int] = {}
        self.order: dict[str, int] = {}  # each passage's number in its document
        for p in self.index.passages:
            self.order[p.id] = counts.get(p.document_id, 0)
            counts[p.document_id] = self.order[p.id] + 1
        self.doc_passages = counts
        ids = list(documents)
        titles = self.engine.encoder.encoder.encode([documents[d].title or "" for d in ids])
        self.title_vector = dict(zip(ids, titles, strict=True))
        self._rows: dict[int, tuple[Evidence, npt.NDArray[np.float64]]] = {}

    def cases(self, questions: list[LabelledQuestion]) -> list[Case]:
        """Each answerable question's evidence through the engine's own path (its parts, or its history)."""
        engine, settings = self.engine, self.settings
        answerable = [q for q in questions if q.kind == "answerable"]
        if any(q.history for q in answerable):
            found = [engine.followup_evidence(q.question, q.history, _DEPTH)[0] for q in answerable]
            return [Case(q, [ev], [q.question]) for q, ev in zip(answerable, found, strict=True)]
        snapshot = engine.stages.builds.snapshot
        texts = [q.question for q in answerable]
        evidence = engine.stages.search.part_evidence(snapshot, texts, _DEPTH, engine.encoder.encoder)
        cases = []
        for q, parts in zip(answerable, evidence, strict=True):
            read = question_parts(snapshot.index.speller.correct(q.question), settings.question_max_parts)
            read = read[: len(encoder_inputs(read, settings.question_max_encoded_chars))]
            cases.append(Case(q, parts, read))
        return cases

    def features(self, case: Case, part: int) -> npt.NDArray[np.float64]:
        """One row per hit of the part (FEATURES): the signals the retriever computes, and a few it could."""
        evidence = case.parts[part]
        if id(evidence) not in self._rows:
            self._rows[id(evidence)] = (evidence, self._features(case, part))
        return self._rows[id(evidence)][1]

    def _features(self, case: Case, part: int) -> npt.NDArray[np.float64]:
        evidence, lexical = case.parts[part], self.index.lexical
        match = lexical.match(case.texts[part])
        docs = [h.passage.document_id for h in evidence.hits[:10]]
        cues = [answer for asks, answer in _CUES if asks.search(case.question.question)]
        vector = evidence.vector if evidence.vector is not None else np.zeros(0)
        rows = [
            [
                hit.dense,
                hit.lexical,
                hit.sentence,
                hit.score,
                covered(match, lexical, np.array([self.position[hit.passage.id]])),
                self.order[hit.passage.id] / max(1, self.doc_passages[hit.passage.document_id] - 1),
                float(self.title_vector[hit.passage.document_id] @ vector) if len(vector) else 0.0,
                float(any(answer.search(hit.passage.text) for answer in cues)),
                docs.count(hit.passage.document_id) / len(docs),
            ]
            for hit in evidence.hits
        ]
        return np.array(rows, dtype=np.float64).reshape(len(evidence.hits), len(FEATURES))


def ranked_by(case: Case, scores: Sequence[npt.NDArray[np.float64]]) -> list[Passage]:
    """Passages by their best score over the question's parts (as merge_evidence does)."""
    best: dict[str, tuple[float, Passage]] = {}
    for part, values in zip(case.parts, scores, strict=True):
        for hit, value in zip(part.hits, values, strict=True):
            if hit.passage.id not in best or value > best[hit.passage.id][0]:
                best[hit.passage.id] = (float(value), hit.passage)
    return [p for _, p in sorted(best.values(), key=lambda item: -item[0])]


def today(case: Case) -> list[Passage]:
    """Today's hybrid ranking, passages as chunked."""
    return [hit.passage for hit in merge_evidence(case.parts, _DEPTH).hits]


def excerpted(setup: Setup, max_chars: int) -> Ranker:
    """(a) Today's ranking as shown with excerpts of at most `max_chars` (qa.excerpts)."""
    excerpts = Excerpts(setup.index, max_chars)
    return lambda case: [hit.shown for hit in excerpts.shown(merge_evidence(case.parts, _DEPTH).hits)]


def figures(cases: Iterable[Case], rankings: Iterable[list[Passage]]) -> Figures:
    """R@1, R@3 and the first excerpt's length of the rankings."""
    ranks: list[int | None] = []
    firsts: list[int] = []
    for case, ranked in zip(cases, rankings, strict=True):
        ranks.append(next((n for n, p in enumerate(ranked, start=1) if is_hit(p, case.question.gold)), None))
        firsts.append(len(ranked[0].text) if ranked else 0)
    return Figures(recall_at(ranks, 1), recall_at(ranks, 3), statistics.mean(firsts), max(firsts))


class Fusion:
    """(b) A logistic model over standardized features; pointwise (hit or not) or pairwise (hit above non-hit)."""

    def __init__(self, setup: Setup, pairwise: bool, columns: Sequence[int], c: float = 1.0) -> None:
        self.setup, self.pairwise, self.columns, self.c = setup, pairwise, list(columns), c
        self.weights = np.zeros(len(self.columns))
        self.mean, self.std = np.zeros(len(self.columns)), np.ones(len(self.columns))

    def fit(self, cases: list[Case]) -> "Fusion":
        x_rows, y_rows = [], []
        for case in cases:
            for part in range(len(case.parts)):
                x_rows.append(self.setup.features(case, part)[:, self.columns])
                y_rows.append(np.array([is_hit(h.passage, case.question.gold) for h in case.parts[part].hits]))
        everything = np.vstack(x_rows)
        self.mean, self.std = everything.mean(axis=0), everything.std(axis=0) + 1e-9
        if self.pairwise:
            pairs: list[npt.NDArray[np.float64]] = []
            for x, y in zip(x_rows, y_rows, strict=True):
                z = (x - self.mean) / self.std
                pairs.extend(z[i] - z[j] for i in np.flatnonzero(y) for j in np.flatnonzero(~y)[:10])
            diff = np.array(pairs)
            data, labels = np.vstack([diff, -diff]), np.r_[np.ones(len(diff)), np.zeros(len(diff))]
            model = LogisticRegression(C=self.c, fit_intercept=False, max_iter=5000).fit(data, labels)
        else:
            data, labels = (everything - self.mean) / self.std, np.concatenate(y_rows)
            model = LogisticRegression(C=self.c, class_weight="balanced", max_iter=5000).fit(data, labels)
        self.weights = model.coef_[0]
        return self

    def rank(self, case: Case) -> list[Passage]:
        scores = [
            ((self.setup.features(case, part)[:, self.columns] - self.mean) / self.std) @ self.weights
            for part in range(len(case.parts))
        ]
        return ranked_by(case, scores)


def fitted(setup: Setup, pairwise: bool, columns: Sequence[int], c: float) -> Callable[[list[Case]], Ranker]:
    """What fits a Fusion model on some cases and ranks with it."""
    return lambda train: Fusion(setup, pairwise, columns, c).fit(train).rank


def feedback(setup: Setup, cases: list[Case], weight: float, depth: int) -> list[Case]:
    """(c) The cases searched again with each part's vector moved towards its first `depth` passages' vectors."""
    retriever, index = setup.engine.stages.builds.snapshot.retriever, setup.index
    out = []
    for case in cases:
        vectors = []
        for part in case.parts:
            assert part.vector is not None
            top = [setup.position[h.passage.id] for h in part.hits[:depth]]
            moved = part.vector + weight * index.vectors[top].mean(axis=0) if top else part.vector
            vectors.append(moved / np.linalg.norm(moved))
        found = retriever.search(np.array(vectors, dtype=np.float32), case.texts, _DEPTH)
        out.append(replace(case, parts=found))
    return out


def with_documents(setup: Setup, title: float, support: float) -> Ranker:
    """(d) Hybrid score plus weighted title cosine and the share of the top candidates from the same document."""
    columns = [FEATURES.index("hybrid"), FEATURES.index("title"), FEATURES.index("document")]
    weights = np.array([1.0, title, support])

    def rank(case: Case) -> list[Passage]:
        return ranked_by(case, [setup.features(case, n)[:, columns] @ weights for n in range(len(case.parts))])

    return rank


def labelled_prior(setup: Setup, labelled: list[Case], weight: float) -> Ranker:
    """(e) Hybrid score plus `weight` x the highest cosine between the question and a labelled question whose
    answer is that passage (the labelled questions' whole-question vectors)."""
    known = [case for case in labelled if case.parts[0].vector is not None]
    vectors = np.array([case.parts[0].vector for case in known])
    passages = setup.index.passages
    gold = [[i for i, p in enumerate(passages) if is_hit(p, case.question.gold)] for case in known]

    def rank(case: Case) -> list[Passage]:
        prior = np.zeros(len(passages))
        if case.parts[0].vector is not None:
            for similarity, rows in zip(vectors @ case.parts[0].vector, gold, strict=True):
                prior[rows] = np.maximum(prior[rows], similarity)
        scores = [
            np.array([h.score + weight * prior[setup.position[h.passage.id]] for h in p.hits]) for p in case.parts
        ]
        return ranked_by(case, scores)

    return rank


def folds(cases: list[Case], by_document: bool) -> list[tuple[list[int], list[int]]]:
    """Five folds of the cases; grouped by the gold document for a corpus of many documents."""
    if by_document:
        groups = [case.question.gold[0][0] for case in cases]
        split = GroupKFold(n_splits=_FOLDS).split(cases, groups=groups)
    else:
        split = KFold(n_splits=_FOLDS, shuffle=True, random_state=0).split(cases)
    return [(list(train), list(test)) for train, test in split]


def cross_validated(
    cases: list[Case], by_document: bool, choose: Callable[[list[Case]], Ranker]
) -> list[list[Passage]]:
    """Each case ranked by what `choose` fitted (or picked) on the other folds."""
    rankings: list[list[Passage]] = [[] for _ in cases]
    for train, test in folds(cases, by_document):
        ranker = choose([cases[i] for i in train])
        for i in test:
            rankings[i] = ranker(cases[i])
    return rankings


def best_on(cases: list[Case], candidates: dict[str, Ranker]) -> Ranker:
    """The candidate with the highest R@1 (then R@3) on `cases`."""
    scored = {name: figures(cases, [rank(c) for c in cases]) for name, rank in candidates.items()}
    return candidates[max(scored, key=lambda name: (scored[name].r1, scored[name].r3))]


def report(setup: Setup, cases: list[Case], by_document: bool) -> None:
    """Every candidate's figures on one set of cases, today's first."""
    print(f"{'today (hybrid)':<44} {figures(cases, [today(c) for c in cases])}")
    for limit in (600, 700, 900):
        shown = excerpted(setup, limit)
        print(f"{f'(a) excerpts, <= {limit} (qa.excerpts)':<44} {figures(cases, [shown(c) for c in cases])}")
    everything = list(range(len(FEATURES)))
    signals = [FEATURES.index(f) for f in ("dense", "bm25", "sentence", "hybrid", "coverage", "answer type")]
    for pairwise, columns, c in itertools.product((False, True), (signals, everything), (0.1, 1.0)):
        label = f"(b) {'pairwise' if pairwise else 'pointwise'} {len(columns)} features C={c}"
        rankings = cross_validated(cases, by_document, fitted(setup, pairwise, columns, c))
        print(f"{label:<44} {figures(cases, rankings)}", flush=True)
    for weight, depth in itertools.product((0.2, 0.5), (1, 3)):
        moved = feedback(setup, cases, weight, depth)
        print(f"{f'(c) feedback weight {weight}, top {depth}':<44} {figures(moved, [today(c) for c in moved])}")
    grid = {
        f"{t},{s}": with_documents(setup, t, s) for t, s in itertools.product((0.0, 0.25, 0.5, 1.0), (0.0, 0.1, 0.3))
    }
    for key in ("0.5,0.0", "0.0,0.3", "0.5,0.3"):
        print(f"{f'(d) documents title, support {key}':<44} {figures(cases, [grid[key](c) for c in cases])}")
    rankings = cross_validated(cases, by_document, lambda train: best_on(train, grid))
    print(f"{'(d) documents, weights chosen in CV':<44} {figures(cases, rankings)}")
    for weight in (0.1, 0.25, 0.5, 1.0):
        rankings = cross_validated(cases, by_document, functools.partial(labelled_prior, setup, weight=weight))
        print(f"{f'(e) labelled-question prior, weight {weight}':<44} {figures(cases, rankings)}", flush=True)


def held_out(setup: Setup, questions: Path, dialogues: Path) -> None:
    """The kept candidate, (a) excerpts of at most 700 characters, against today's on the test splits."""
    shown = excerpted(setup, 700)
    for name, path in (("article test", questions), ("article dialogues test", dialogues)):
        cases = setup.cases(load_questions(path, setup.index.corpus, "test"))
        print(f"\n== {name}: {len(cases)} answerable questions")
        print(f"{'today (hybrid)':<44} {figures(cases, [today(c) for c in cases])}")
        print(f"{'(a) excerpts, <= 700 (qa.excerpts)':<44} {figures(cases, [shown(c) for c in cases])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--test", action="store_true", help="score today and the kept candidate on the test splits")
    parser.add_argument("--cancergov-index-dir", type=Path, default=Path("index-cancergov"))
    parser.add_argument("--article-only", action="store_true", help="leave out MedQuAD CancerGov")
    args = parser.parse_args()
    article = Setup(Settings(cache_size=0))
    questions, dialogues = Path("eval/immunotherapy.jsonl"), Path("eval/dialogues.jsonl")
    if args.test:
        held_out(article, questions, dialogues)
        return
    sets: list[tuple[str, Setup, Path, str, bool]] = [
        ("article train (CV)", article, questions, "train", False),
        ("article dialogues train", article, dialogues, "train", False),
    ]
    if not args.article_only:
        corpus = Path("bench/medquad/corpus-cancergov.jsonl")
        cancergov = Setup(Settings(cache_size=0, corpus=corpus, index_dir=args.cancergov_index_dir))
        sets.append(
            ("CancerGov (CV by document)", cancergov, Path("bench/medquad/questions-cancergov.jsonl"), "all", True)
        )
    for name, setup, path, split, by_document in sets:
        cases = setup.cases(load_questions(path, setup.index.corpus, split))
        print(f"\n== {name}: {len(cases)} answerable questions", flush=True)
        report(setup, cases, by_document)


if __name__ == "__main__":
    main()
