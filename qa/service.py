"""The question-answering service: one loaded index, its encoder, a cache, and swaps."""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from cachetools import LRUCache

from qa.answer import Answer, assemble
from qa.conversation import expand, normalize_history, resolve
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

    def ask(self, question: str, top_k: int | None = None, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the conversation's earlier questions, oldest first."""
        top_k = top_k or self.settings.top_k_default
        if not history:
            return self.ask_many([(question, top_k)])[0]
        # Never cached: a follow-up's answer depends on its history, which is kept nowhere.
        settings = self.settings
        question = normalize_question(question, settings.question_max_chars)
        earlier = normalize_history(history, settings.history_max, settings.question_max_chars)
        snapshot = self.snapshot
        evidence, used = self.followup_evidence(snapshot, question, earlier, top_k)
        return replace(self._answer(snapshot, question, evidence, top_k), context_used=used)

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

    def followup_evidence(
        self, snapshot: Snapshot, question: str, history: Sequence[str], top_k: int
    ) -> tuple[Evidence, list[int]]:
        """Evidence for a question searched with the earlier questions it leans on, and their indexes."""
        speller, settings = snapshot.index.speller, self.settings
        turns = [speller.correct(text) for text in [*history, question]]
        parts = question_parts(turns[-1])
        vectors = self.encoder.encode([*turns, *parts[1:]])
        context = resolve(
            turns,
            vectors[: len(turns)],
            snapshot.retriever,
            settings.history_weight,
            settings.history_decay,
            settings.history_tolerance,
            settings.history_topic_share,
        )
        part_vectors = [vectors[len(turns) - 1], *vectors[len(turns) :]]
        queries = [expand(vector, context, turns, vectors) for vector in part_vectors]
        found = snapshot.retriever.search(
            np.stack([vector for vector, _ in queries]), parts, top_k, [expansion for _, expansion in queries]
        )
        return merge_evidence(found, top_k), sorted(context)

    def _answer(self, snapshot: Snapshot, question: str, evidence: Evidence, top_k: int) -> Answer:
        answered = self.refusal.answers(evidence)
        return assemble(question, answered, evidence.hits[:top_k], snapshot.index.corpus.documents)

    def _cached(self, key: tuple[str, str, int]) -> Answer | None:
        if self._cache is None:
            return None
        with self._lock:
            return self._cache.get(key)

    def _store(self, key: tuple[str, str, int], answer: Answer) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache[key] = answer
