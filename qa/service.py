"""The question-answering service: one loaded index, its encoder, a cache, and swaps."""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from qa.answer import HELPLINE, Answer, assemble, no_documents_in, smalltalk, with_missing_list_note, with_urgent_care
from qa.builds import corpus_on_disk
from qa.conversation import expand, normalize_history, refers_back, resolve
from qa.cpu import describe
from qa.documents import Corpus
from qa.embedding import Encoder, load_checker, load_encoder
from qa.errors import BuildGone
from qa.index import Index
from qa.int8_check import Int8Check, compare, load_check_questions
from qa.language import corpus_languages, question_language
from qa.lexical import STOPWORD_SET
from qa.publisher import PublisherTexts, publisher_texts
from qa.questions import encoder_inputs, normalize_question, question_parts
from qa.refusal import MODEL_FILE, RefusalModel, Status
from qa.retrieval import Evidence, Method, Retriever, merge_evidence
from qa.settings import Settings
from qa.smalltalk import smalltalk_language
from qa.spelling import rarity
from qa.subject import TERMS_FILE, SubjectTerms, load_terms
from qa.urgency import MODEL_FILE as URGENCY_FILE
from qa.urgency import UrgencyModel

# A word the corpus never uses names a subject of the question's own when English rarely uses it either
# (-log10 frequency: "tokyo" 6.7, "movies" 4.7, "alcohol" 4.9; "matter" 3.5 and "everyone" 3.5 do not).
_NAMES_A_SUBJECT = 4.5

log = logging.getLogger("qa.service")


@dataclass(frozen=True)
class Snapshot:
    """An index and its retriever, replaced as one so a request never mixes two builds."""

    index: Index
    retriever: Retriever
    languages: dict[str, str]  # each document's language, by id
    texts: PublisherTexts
    subject: SubjectTerms


class QAService:
    """Answers questions from the live index; safe to call from several threads."""

    def __init__(
        self,
        settings: Settings,
        index: Index,
        encoder: Encoder | None = None,
        method: Method = "hybrid",
        refusal: RefusalModel | None = None,
        checker: Encoder | None = None,
        on_recheck: Callable[[int], None] | None = None,
    ) -> None:
        self.settings = settings
        loaded = encoder is None
        if encoder is None:
            encoder, checker = load_encoder(settings), load_checker(settings)
        self.encoder = encoder
        # Encodes again the questions whose evidence from `encoder` (int8) is a close call (settings.recheck_*);
        # `on_recheck` hears how many questions each time (the API counts them in /metrics).
        self.checker = checker
        self._on_recheck = on_recheck
        self.refusal = refusal or RefusalModel.load(settings.refusal_model or MODEL_FILE)
        self.urgency = UrgencyModel.load(settings.urgency_model or URGENCY_FILE)
        self._method = method
        self._snapshot = self._snapshot_of(index)
        self._cache: LRUCache[tuple[str, str, int], Answer] | None = (
            LRUCache(settings.cache_size) if settings.cache_size else None
        )
        self._lock = threading.Lock()
        self._earlier: OrderedDict[str, Corpus] = OrderedDict()
        # int8 questions loaded from the settings must show the float model's answers on this CPU (qa.int8_check).
        self.int8_check = self._check_int8() if loaded and self.checker is not None else None

    @property
    def index(self) -> Index:
        return self._snapshot.index

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def swap(self, index: Index) -> None:
        """Serve `index` from now on; requests already running finish on the old one."""
        previous = self._snapshot.index
        self._snapshot = self._snapshot_of(index)
        self._earlier[previous.manifest.build_id] = previous.corpus
        while len(self._earlier) > self.settings.documents_kept_builds:
            self._earlier.popitem(last=False)

    def corpus_of(self, build_id: str | None) -> Corpus:
        """The documents of the live build, of an earlier one while it is kept, or of a build on disk whose
        corpus is unchanged (one another worker serves already); else BuildGone."""
        index = self.index
        if build_id is None or build_id == index.manifest.build_id:
            return index.corpus
        kept = self._earlier.get(build_id) or corpus_on_disk(self.settings.index_dir, self.settings.corpus, build_id)
        if kept is None:
            raise BuildGone(
                f"The documents of build {build_id!r} are no longer kept; ask the question again for current passages."
            )
        return kept

    def _snapshot_of(self, index: Index) -> Snapshot:
        settings = self.settings
        retriever = Retriever(index, self._method, settings.lexical_weight, settings.sentence_weight)
        texts = publisher_texts(index.corpus, settings, HELPLINE["phone"])
        subject = SubjectTerms(load_terms(settings.subject_terms or TERMS_FILE), (doc.text for doc in index.corpus))
        return Snapshot(index, retriever, corpus_languages(index.corpus, settings), texts, subject)

    def ask(self, question: str, top_k: int | None = None, history: Sequence[str] = ()) -> Answer:
        """Answer one question; `history` holds the conversation's earlier questions, oldest first.

        History helps and never overrules: the question is answered alone first, and its history
        plays a part only when the question leans on it (qa.conversation.stands_alone). Then it
        may reorder the passages; it may turn the alone answer's `related` or `not_found` into
        `answered` only for a question that points back ("it", "and if ...").
        """
        settings = self.settings
        top_k = top_k or settings.top_k_default
        earlier = normalize_history(history, settings.history_max, settings.question_max_chars)
        snapshot = self.snapshot
        alone = self.ask_many([(question, top_k)])[0]
        # Only the latest turns are read; context_used still indexes the whole history.
        offset = max(0, len(earlier) - settings.history_used)
        # Each earlier question is read up to history_max_encoded_chars: encoder, keywords and spelling alike.
        earlier = (
            [text[: settings.history_max_encoded_chars] for text in earlier[offset:]] if settings.history_used else []
        )
        question = alone.question
        if not earlier or alone.status == "smalltalk" or self._stands_alone(question, alone, earlier, snapshot):
            return alone
        # Never cached: a follow-up's answer depends on its history, which is kept nowhere.
        evidence, used = self.followup_evidence(snapshot, question, earlier, top_k)
        if not used:
            return alone
        answer = self._answer(snapshot, question, evidence, top_k, alone.language)
        if alone.urgent_care is not None:  # urgency is the question's own, whatever came before
            answer = with_urgent_care(answer, alone.urgent_care)
        answer = with_missing_list_note(answer, snapshot.texts.missing_list)
        if answer.status == "answered" and alone.status != "answered" and alone.status != "not_found":
            return alone  # a question on the subject that the article does not answer stays so
        return replace(answer, context_used=[turn + offset for turn in used])

    def _stands_alone(self, question: str, alone: Answer, earlier: Sequence[str], snapshot: Snapshot) -> bool:
        """Whether the question is one its history cannot bear on: too long, in another language, or off-topic.

        A question asked alone gets `not_found` when it is off the corpus's subject; unless it points
        back to an earlier question ("and if it can't?") with only words the corpus uses, no history
        makes it one the corpus answers ("what time is it in Tokyo" names what the corpus never does).
        """
        if len(question) > self.settings.followup_max_chars:
            return True
        if question_language(earlier[-1], self.settings) != alone.language:
            return True
        if alone.status != "not_found":
            return False
        unknown = snapshot.index.speller.unknown(question, STOPWORD_SET)
        return not refers_back(question) or any(rarity(word) >= _NAMES_A_SUBJECT for word in unknown)

    def ask_many(self, requests: list[tuple[str, int]]) -> list[Answer]:
        """Answer several questions with one encoder call (questions are normalized here)."""
        snapshot = self.snapshot
        build = snapshot.index.manifest.build_id
        questions = [normalize_question(q, self.settings.question_max_chars) for q, _ in requests]
        keys = [(build, q.casefold(), k) for q, (_, k) in zip(questions, requests, strict=True)]
        answers: list[Answer | None] = [self._cached(key) for key in keys]
        for i, question in enumerate(questions):
            if answers[i] is None and (language := smalltalk_language(question)) is not None:
                reply = snapshot.texts.smalltalk_reply(language, self.settings.document_language)
                answers[i] = smalltalk(question, reply, build, language)
        # A cached answer already carries its language: only the others are detected.
        languages = {i: question_language(questions[i], self.settings) for i, a in enumerate(answers) if a is None}
        for i, language in languages.items():
            if language not in snapshot.languages.values():
                answers[i] = self._finish(snapshot, no_documents_in(questions[i], language, build))
        missing = [i for i, a in enumerate(answers) if a is None]
        if missing:
            # Each question is searched at its own top_k: its answer never depends on the batch it shares.
            evidence = self.evidence(snapshot, [questions[i] for i in missing], [keys[i][2] for i in missing])
            for i, found in zip(missing, evidence, strict=True):
                answer = self._answer(snapshot, questions[i], found, keys[i][2], languages[i])
                answers[i] = self._finish(snapshot, answer, found.vector)
                self._store(keys[i], answers[i])  # type: ignore[arg-type]
        return [a for a in answers if a is not None]

    def evidence(self, snapshot: Snapshot, questions: list[str], top_k: int | Sequence[int]) -> list[Evidence]:
        """Ranked passages for each question; each passage keeps its best score over the parts.

        `top_k` is one for all questions or each question's own. With a checker, the questions whose
        evidence is a close call are searched again with its vectors.
        """
        depths = _depths(questions, top_k)
        found = self._merged(snapshot, questions, depths, self.encoder)
        if self.checker is not None:
            close = [i for i, evidence in enumerate(found) if self._close_call(evidence)]
            if close:
                self._rechecking(len(close))
                again = self._merged(snapshot, [questions[i] for i in close], [depths[i] for i in close], self.checker)
                for i, evidence in zip(close, again, strict=True):
                    found[i] = evidence
        return found

    def _merged(self, snapshot: Snapshot, questions: list[str], depths: list[int], encoder: Encoder) -> list[Evidence]:
        parts = self.part_evidence(snapshot, questions, depths, encoder)
        return [merge_evidence(found, k) for found, k in zip(parts, depths, strict=True)]

    def part_evidence(
        self, snapshot: Snapshot, questions: list[str], top_k: int | Sequence[int], encoder: Encoder | None = None
    ) -> list[list[Evidence]]:
        """For each question, the evidence of the whole question and then of each of its parts.

        Typos are corrected to the corpus's words first; a question that asks several things
        is also searched part by part (all in one encoder call). The encoder's work per question
        is capped (settings.question_max_parts, question_max_encoded_chars); keyword search
        still sees the whole question. `top_k` is one for all questions or each question's own;
        `encoder` replaces the service's own for this call.
        """
        settings = self.settings
        parts = [question_parts(snapshot.index.speller.correct(q), settings.question_max_parts) for q in questions]
        encoded = [encoder_inputs(group, settings.question_max_encoded_chars) for group in parts]
        parts = [group[: len(inputs)] for group, inputs in zip(parts, encoded, strict=True)]
        flat = [part for group in parts for part in group]
        vectors = (encoder or self.encoder).encode([text for inputs in encoded for text in inputs])
        depths = [k for group, k in zip(parts, _depths(questions, top_k), strict=True) for _ in group]
        found: dict[int, Evidence] = {}  # by row of `flat`: one search per depth asked
        for k in dict.fromkeys(depths):
            rows = [row for row, depth in enumerate(depths) if depth == k]
            found.update(zip(rows, snapshot.retriever.search(vectors[rows], [flat[r] for r in rows], k), strict=True))
        ordered = iter(found[row] for row in range(len(flat)))
        return [[next(ordered) for _ in group] for group in parts]

    def followup_evidence(
        self, snapshot: Snapshot, question: str, history: Sequence[str], top_k: int
    ) -> tuple[Evidence, list[int]]:
        """Evidence for a question searched with the earlier questions it leans on, and their indexes.

        With a checker, a close call is searched again with the checker's vectors for every turn.
        """
        found = self._followup(snapshot, question, history, top_k, self.encoder)
        if self.checker is not None and self._close_call(found[0]):
            self._rechecking(1)
            return self._followup(snapshot, question, history, top_k, self.checker)
        return found

    def _followup(
        self, snapshot: Snapshot, question: str, history: Sequence[str], top_k: int, encoder: Encoder
    ) -> tuple[Evidence, list[int]]:
        speller, settings = snapshot.index.speller, self.settings
        turns = [speller.correct(text) for text in [*history, question]]
        # The same bounds on encoder work as a question alone (settings.question_max_parts and so on).
        parts = question_parts(turns[-1], settings.question_max_parts)
        inputs = encoder_inputs(parts, settings.question_max_encoded_chars)
        parts = parts[: len(inputs)]
        earlier = turns[:-1]
        vectors = encoder.encode([*earlier, *inputs])
        context = resolve(turns, vectors[: len(turns)], snapshot.retriever, settings)
        part_vectors = [vectors[len(turns) - 1], *vectors[len(turns) :]]
        queries = [expand(vector, context, turns, vectors) for vector in part_vectors]
        found = snapshot.retriever.search(
            np.stack([vector for vector, _ in queries]), parts, top_k, [expansion for _, expansion in queries]
        )
        return merge_evidence(found, top_k), sorted(context)

    def _answer(self, snapshot: Snapshot, question: str, evidence: Evidence, top_k: int, language: str) -> Answer:
        # Only passages of documents in the question's language count (all of them in a one-language corpus).
        hits = [hit for hit in evidence.hits if snapshot.languages[hit.passage.document_id] == language]
        status: Status = self.refusal.decide(replace(evidence, hits=hits)) if hits else "not_found"
        if hits and evidence.intent == "medical" and snapshot.subject.unmentioned(question):
            status = "related"  # it names a treatment, test or side effect the corpus never mentions
        index = snapshot.index
        return assemble(question, status, hits[:top_k], index.corpus.documents, index.manifest.build_id, language)

    def _finish(self, snapshot: Snapshot, answer: Answer, vector: npt.NDArray[np.float32] | None = None) -> Answer:
        """The answer with the publisher's notes: what to do now for an urgent situation, and lists this copy lacks.

        `vector`, the question's own embedding, lets the urgency check see situations told in other words.
        """
        texts = snapshot.texts
        level = self.urgency.urgency(answer.question, vector)
        if level is not None:
            answer = with_urgent_care(
                answer, texts.urgent_care(level, answer.language, self.settings.document_language)
            )
        return with_missing_list_note(answer, texts.missing_list)

    def _close_call(self, evidence: Evidence) -> bool:
        """Whether another encoder's vectors could plausibly change the first passage or the status.

        int8 moved passage scores by up to about 0.025 on a CPU with VNNI (0.034 without) and flipped
        decisions only near their thresholds (docs/performance.md); settings.recheck_margin and
        recheck_band bound both, and the start-up check (_check_int8) catches what they miss.
        Judged on all passages, whatever their language.
        """
        hits, settings = evidence.hits, self.settings
        if not hits:
            return False
        margin = hits[0].score - hits[1].score if len(hits) > 1 else evidence.margin
        tied = margin < settings.recheck_margin and self.refusal.decide(evidence) != "not_found"
        return tied or self.refusal.close_call(evidence, settings.recheck_band)

    def _check_int8(self) -> Int8Check:
        """Compare int8 (with its recheck) with the float model on the stored questions; on any difference,
        or with no stored questions, encode every question with the float model from now on."""
        checker, uncached = self.checker, self.settings.model_copy(update={"cache_size": 0})
        assert checker is not None
        int8, reference = (
            QAService(uncached, self.index, encoder, self._method, self.refusal, recheck)
            for encoder, recheck in ((self.encoder, checker), (checker, None))
        )
        questions = load_check_questions(self.settings.quantize_check_questions)
        check = compare(int8, reference, questions, self.settings.top_k_default)
        if not check.passed:
            log.warning(
                "int8 showed another answer than the float model for %d of %d stored questions on this CPU (%s):"
                " questions are encoded with the float model.",
                check.differing,
                check.questions,
                describe(check.cpu),
            )
            self.encoder, self.checker = checker, None
        return check

    def _rechecking(self, questions: int) -> None:
        if self._on_recheck is not None:
            self._on_recheck(questions)

    def _cached(self, key: tuple[str, str, int]) -> Answer | None:
        if self._cache is None:
            return None
        with self._lock:
            return self._cache.get(key)

    def _store(self, key: tuple[str, str, int], answer: Answer) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache[key] = answer


def _depths(questions: list[str], top_k: int | Sequence[int]) -> list[int]:
    """Each question's top_k, from one for all or a list of its own."""
    return [top_k] * len(questions) if isinstance(top_k, int) else list(top_k)
