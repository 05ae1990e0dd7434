"""The engine every interface calls: a question's path through its stages, from text to answer.

preparation (qa.preparation) -> question encoder with its int8/float policy (qa.question_encoder)
-> search (qa.search, qa.retrieval) -> decision (qa.decision) -> assembly (qa.assembly), over the
build the registry serves (qa.registry), with recent answers cached (qa.answer_cache).
Each stage is passed in through the constructor; `using` makes an engine with other stages.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from qa.answer import Answer
from qa.answer_cache import AnswerCache
from qa.assembly import Assembly
from qa.cpu import describe
from qa.decision import Decision
from qa.embedding import load_checker, load_encoder
from qa.encoder import Encoder
from qa.evidence import Evidence
from qa.excerpts import SPARE
from qa.followup import latest, stands_alone
from qa.fusion import Method
from qa.index import Index
from qa.int8_check import Int8Check, compare, load_check_questions
from qa.preparation import Preparation, Question
from qa.publisher import PublisherTexts
from qa.question_encoder import Finding, QuestionEncoder
from qa.refusal import MODEL_FILE, RefusalModel
from qa.registry import BuildRegistry, Snapshot
from qa.search import Search, depths_of
from qa.settings import Settings
from qa.smalltalk import smalltalk_language
from qa.urgency import MODEL_FILE as URGENCY_FILE
from qa.urgency import UrgencyModel

log = logging.getLogger("qa.engine")


@dataclass(frozen=True)
class Stages:
    """The engine's parts; any of them can be replaced (evaluation passes its own)."""

    preparation: Preparation
    encoder: QuestionEncoder
    search: Search
    decision: Decision
    assembly: Assembly
    builds: BuildRegistry
    cache: AnswerCache


class Engine:
    """Answers questions from the live build; safe to call from several threads."""

    def __init__(self, settings: Settings, stages: Stages, int8_check: Int8Check | None = None) -> None:
        self.settings = settings
        self.stages = stages
        # How int8 questions fared against the float model at start-up (qa.int8_check), when it was asked for.
        self.int8_check = int8_check

    def using(self, **stages: Any) -> "Engine":
        """An engine with some stages replaced (by name, as in Stages); this one is unchanged."""
        return Engine(self.settings, replace(self.stages, **stages), self.int8_check)

    def trying(self, index: Index) -> "Engine":
        """An engine answering from `index`, to test a build before it serves: no cache, no recheck counted."""
        encoder, builds = self.stages.encoder, BuildRegistry(self.settings, index, self.stages.builds.method)
        return self.using(
            builds=builds, encoder=QuestionEncoder(encoder.encoder, encoder.checker), cache=AnswerCache(0)
        )

    @property
    def index(self) -> Index:
        return self.stages.builds.index

    @property
    def publisher(self) -> PublisherTexts:
        """The live build's publisher texts: its corpus's helpline, disclaimer and messages."""
        return self.stages.builds.snapshot.texts

    @property
    def encoder(self) -> QuestionEncoder:
        return self.stages.encoder

    def prepare(self, question: str) -> Question:
        """The question normalized (once: a prepared question is returned as it is)."""
        return self.stages.preparation.question(question)

    def answer(self, question: str, top_k: int | None = None, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the conversation's earlier questions, oldest first.

        History helps and never overrules: the question is answered alone first, and its history
        plays a part only when the question leans on it (qa.followup.stands_alone). Then it may
        reorder the passages; it may turn `not_found` into `answered` only for a question that points back.
        """
        top_k, history = top_k or self.settings.top_k_default, self.stages.preparation.history(history)
        # With a history, the question is searched twice (alone, then with it) and encoded once.
        engine = self.using(encoder=self.stages.encoder.remembering()) if history else self
        stages, snapshot = engine.stages, engine.stages.builds.snapshot
        alone = engine.answer_many([(self.prepare(question), top_k)])[0]
        # Never cached: a follow-up's answer depends on its history, which is kept nowhere.
        finding, offset = engine._leaning(snapshot, alone, history, top_k + SPARE)
        if finding is None:
            return alone
        answer = engine._answer(snapshot, alone.question, finding, alone.language, top_k)
        if answer.status == "answered" and alone.status != "answered" and alone.status != "not_found":
            return alone  # a question on the subject that the article does not answer stays so
        return stages.assembly.followup(snapshot, answer, alone, [turn + offset for turn in finding.context])

    def answer_many(self, requests: Sequence[tuple[Question, int]]) -> list[Answer]:
        """Answer several prepared questions with one encoder call; each is searched at its own top_k."""
        stages, snapshot = self.stages, self.stages.builds.snapshot
        build = snapshot.index.manifest.build_id
        keys = [(build, question.casefold(), k) for question, k in requests]
        answers: list[Answer | None] = [stages.cache.get(key) for key in keys]
        languages: dict[int, str] = {}  # of the questions still to answer
        fresh = [i for i, answer in enumerate(answers) if answer is None]
        for i in fresh:
            answers[i] = self._without_passages(snapshot, requests[i][0], i, languages)
        missing = [i for i in languages if answers[i] is None]
        found = self._findings(snapshot, [requests[i][0] for i in missing], [requests[i][1] + SPARE for i in missing])
        for i, finding in zip(missing, found, strict=True):
            answer = self._answer(snapshot, requests[i][0], finding, languages[i], requests[i][1])
            answers[i] = stages.assembly.finish(snapshot, answer, finding.evidence.vector)
        for i in fresh:  # replies without passages too: a question in another language is encoded for urgency
            stages.cache.put(keys[i], answers[i])  # type: ignore[arg-type]
        return [a for a in answers if a is not None]

    def evidence(self, questions: list[str], top_k: int | Sequence[int]) -> list[Evidence]:
        """Ranked passages for each question of the live build (close calls searched again, as answers are)."""
        return [finding.evidence for finding in self._findings(self.stages.builds.snapshot, questions, top_k)]

    def followup_evidence(self, question: str, history: Sequence[str], top_k: int) -> tuple[Evidence, list[int]]:
        """The evidence `answer` ranks for a question after `history`, and the earlier questions it leaned on."""
        engine = self.using(encoder=self.stages.encoder.remembering())  # each text encoded once, as in `answer`
        snapshot = engine.stages.builds.snapshot
        alone = engine.answer_many([(self.prepare(question), top_k)])[0]
        finding, offset = engine._leaning(snapshot, alone, self.stages.preparation.history(history), top_k)
        if finding is None:
            return engine.evidence([alone.question], top_k)[0], []
        return finding.evidence, [turn + offset for turn in finding.context]

    def _leaning(self, snapshot: Snapshot, alone: Answer, history: list[str], top_k: int) -> tuple[Finding | None, int]:
        """The question searched with the latest earlier questions of the prepared history that it leans on,
        or None when it stands alone (qa.followup); and the position in the history that context_used counts from."""
        settings, preparation = self.settings, self.stages.preparation
        earlier, offset = latest(history, settings.history_used, settings.history_max_encoded_chars)
        if not earlier or alone.status == "smalltalk":
            return None, offset
        if stands_alone(alone, earlier[-1], preparation.language, snapshot, settings.followup_max_chars):
            return None, offset
        finding = self._followup(snapshot, alone, earlier, top_k)
        return (finding if finding.context else None), offset

    def _without_passages(
        self, snapshot: Snapshot, question: Question, i: int, languages: dict[int, str]
    ) -> Answer | None:
        """The reply to small talk or to a language no document is in; else None, noting the question's language."""
        if (talk := smalltalk_language(question)) is not None:
            return self.stages.assembly.smalltalk(snapshot, question, talk)
        languages[i] = language = self.stages.preparation.language(question)
        if language in snapshot.languages.values():
            return None
        vector = self.stages.encoder.encoder.encode([question])[0]  # the urgency check reads it in any language
        return self.stages.assembly.no_documents(snapshot, question, language, vector)

    def _findings(self, snapshot: Snapshot, questions: list[str], top_k: int | Sequence[int]) -> list[Finding]:
        if not questions:
            return []
        depths, stages = depths_of(questions, top_k), self.stages

        def search(encoder: Encoder, rows: list[int]) -> list[Finding]:
            chosen = [questions[i] for i in rows]
            found = stages.search.evidence(snapshot, chosen, [depths[i] for i in rows], encoder)
            return [Finding(evidence, stages.decision.judge(evidence)) for evidence in found]

        return stages.encoder.find(search, len(questions))

    def _followup(self, snapshot: Snapshot, alone: Answer, history: Sequence[str], top_k: int) -> Finding:
        def search(encoder: Encoder, rows: list[int]) -> list[Finding]:
            placed = alone.status != "not_found"  # see qa.conversation.brings_forward
            evidence, context = self.stages.search.followup(snapshot, alone.question, history, top_k, encoder, placed)
            return [Finding(evidence, self.stages.decision.judge(evidence), context)]

        return self.stages.encoder.find(search, 1)[0]

    def _answer(self, snapshot: Snapshot, question: str, finding: Finding, language: str, top_k: int) -> Answer:
        # Only passages of documents in the question's language count (all of them in a one-language corpus).
        hits = [hit for hit in finding.evidence.hits if snapshot.languages[hit.passage.document_id] == language]
        status = self.stages.decision.status(finding.verdict, question, finding.evidence, hits, snapshot.subject)
        return self.stages.assembly.passages(snapshot, question, status, hits, language, top_k)


def load_engine(
    settings: Settings,
    index: Index,
    *,
    method: Method = "hybrid",
    encoder: Encoder | None = None,
    checker: Encoder | None = None,
    refusal: RefusalModel | None = None,
    on_recheck: Callable[[int], None] | None = None,
) -> Engine:
    """The engine the settings describe, serving `index`.

    Without `encoder`, the settings' encoders are loaded; int8 questions (settings.quantize) must then
    show the float model's answers on this CPU (qa.int8_check), or the engine encodes with the float model.
    """
    loaded = encoder is None
    if encoder is None:
        encoder, checker = load_encoder(settings), load_checker(settings)
    stages = Stages(
        preparation=Preparation(settings),
        encoder=QuestionEncoder(encoder, checker, on_recheck),
        search=Search(settings),
        decision=Decision(
            refusal or RefusalModel.load(settings.refusal_model or MODEL_FILE),
            settings.recheck_margin,
            settings.recheck_band,
        ),
        assembly=Assembly(UrgencyModel.load(settings.urgency_model or URGENCY_FILE), settings.document_language),
        builds=BuildRegistry(settings, index, method),
        cache=AnswerCache(settings.cache_size),
    )
    engine = Engine(settings, stages)
    return checked_int8(engine) if loaded and checker is not None else engine


def checked_int8(engine: Engine) -> Engine:
    """The engine, after int8 is compared with the float model on the stored questions; on any difference,
    or with no stored questions, an engine that encodes every question with the float model."""
    settings, encoder = engine.settings, engine.encoder
    assert encoder.checker is not None
    uncached = AnswerCache(0)
    int8 = engine.using(encoder=QuestionEncoder(encoder.encoder, encoder.checker), cache=uncached)
    reference = engine.using(encoder=QuestionEncoder(encoder.checker), cache=uncached)
    check = compare(int8, reference, load_check_questions(settings.quantize_check_questions), settings.top_k_default)
    if check.passed:
        return Engine(settings, engine.stages, check)
    log.warning(
        "int8 showed another answer than the float model for %d of %d stored questions on this CPU (%s):"
        " questions are encoded with the float model.",
        check.differing,
        check.questions,
        describe(check.cpu),
    )
    float_only = replace(engine.stages, encoder=QuestionEncoder(encoder.checker))
    return Engine(settings, float_only, check)
