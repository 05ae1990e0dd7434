"""The question-answering service: one loaded index, its encoder, a cache, and swaps."""

import threading
from dataclasses import dataclass

from cachetools import LRUCache

from qa.answer import Answer, assemble
from qa.embedding import Encoder, load_encoder
from qa.index import Index
from qa.questions import normalize_question, question_parts
from qa.refusal import RefusalModel
from qa.retrieval import Evidence, Method, Retriever, merge_evidence
from qa.settings import Settings


@dataclass(frozen=True)
class Snapshot:
    """An index and its retriever, replaced as one so a request never mixes two builds."""

    index: Index
    retriever: Retriever


class QAService:
    """Answers questions from the live index; safe to call from several threads."""

    def __init__(
        self,
        settings: Settings,
        index: Index,
        encoder: Encoder | None = None,
        method: Method = "hybrid",
        refusal: RefusalModel | None = None,
    ) -> None:
        self.settings = settings
        self.encoder = encoder or load_encoder(settings)
        self.refusal = refusal or RefusalModel.load()
        self._method = method
        self._snapshot = self._snapshot_of(index)
        self._cache: LRUCache[tuple[str, str, int], Answer] | None = (
            LRUCache(settings.cache_size) if settings.cache_size else None
        )
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        return self._snapshot.index

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def swap(self, index: Index) -> None:
        """Serve `index` from now on; requests already running finish on the old one."""
        self._snapshot = self._snapshot_of(index)

    def _snapshot_of(self, index: Index) -> Snapshot:
        settings = self.settings
        return Snapshot(index, Retriever(index, self._method, settings.lexical_weight, settings.sentence_weight))

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        return self.ask_many([(question, top_k or self.settings.top_k_default)])[0]

    def ask_many(self, requests: list[tuple[str, int]]) -> list[Answer]:
        """Answer several questions with one encoder call (questions are normalized here)."""
        snapshot = self.snapshot
        build = snapshot.index.manifest.build_id
        questions = [normalize_question(q, self.settings.question_max_chars) for q, _ in requests]
        keys = [(build, q.casefold(), k) for q, (_, k) in zip(questions, requests, strict=True)]
        answers: list[Answer | None] = [self._cached(key) for key in keys]
        missing = [i for i, a in enumerate(answers) if a is None]
        if missing:
            evidence = self.evidence(snapshot, [questions[i] for i in missing], max(keys[i][2] for i in missing))
            for i, found in zip(missing, evidence, strict=True):
                answers[i] = self._answer(snapshot, questions[i], found, keys[i][2])
                self._store(keys[i], answers[i])  # type: ignore[arg-type]
        return [a for a in answers if a is not None]

    def evidence(self, snapshot: Snapshot, questions: list[str], top_k: int) -> list[Evidence]:
        """Ranked passages for each question; each passage keeps its best score over the parts."""
        return [merge_evidence(parts, top_k) for parts in self.part_evidence(snapshot, questions, top_k)]

    def part_evidence(self, snapshot: Snapshot, questions: list[str], top_k: int) -> list[list[Evidence]]:
        """For each question, the evidence of the whole question and then of each of its parts.

        Typos are corrected to the corpus's words first; a question that asks several things
        is also searched part by part (all in one encoder call).
        """
        parts = [question_parts(snapshot.index.speller.correct(q)) for q in questions]
        flat = [part for group in parts for part in group]
        found = iter(snapshot.retriever.search(self.encoder.encode(flat), flat, top_k))
        return [[next(found) for _ in group] for group in parts]

    def _answer(self, snapshot: Snapshot, question: str, evidence: Evidence, top_k: int) -> Answer:
        status = self.refusal.decide(evidence)
        return assemble(question, status, evidence.hits[:top_k], snapshot.index.corpus.documents)

    def _cached(self, key: tuple[str, str, int]) -> Answer | None:
        if self._cache is None:
            return None
        with self._lock:
            return self._cache.get(key)

    def _store(self, key: tuple[str, str, int], answer: Answer) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache[key] = answer
