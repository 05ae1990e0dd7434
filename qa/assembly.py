"""Answer assembly: the passages shown, the publisher's texts beside them, and the replies without passages."""

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from qa.answer import Answer, assemble, no_documents_in, smalltalk, with_missing_list_note, with_urgent_care
from qa.evidence import Hit
from qa.refusal import Status
from qa.registry import Snapshot
from qa.urgency import UrgencyModel


class Assembly:
    """Builds each kind of answer from a build's snapshot; urgent-care advice comes first when it applies."""

    def __init__(self, urgency: UrgencyModel, document_language: str) -> None:
        self.urgency = urgency
        self._language = document_language

    def passages(
        self, snapshot: Snapshot, question: str, status: Status, hits: list[Hit], language: str, top_k: int
    ) -> Answer:
        """An answer showing the first `top_k` excerpts of `hits` (qa.excerpts; none when `status` is not_found);
        `hits` holds up to excerpts.SPARE more, as the passages joined into the first excerpt leave the list."""
        index = snapshot.index
        shown = snapshot.excerpts.shown(hits)[:top_k]
        build = index.manifest.build_id
        return assemble(question, status, shown, index.corpus.documents, build, language, snapshot.texts)

    def finish(self, snapshot: Snapshot, answer: Answer, vector: npt.NDArray[np.float32] | None = None) -> Answer:
        """The answer with the publisher's notes: what to do now for an urgent situation, and lists this copy lacks.

        `vector`, the question's own embedding, lets the urgency check see situations told in other words.
        """
        level = self.urgency.urgency(answer.question, vector)
        if level is not None:
            answer = with_urgent_care(answer, snapshot.texts.urgent_care(level, answer.language, self._language))
        return with_missing_list_note(answer, snapshot.texts.missing_list)

    def followup(self, snapshot: Snapshot, answer: Answer, alone: Answer, context: list[int]) -> Answer:
        """A follow-up's answer: the urgency of the question alone (whatever came before), and the turns it used."""
        if alone.urgent_care is not None:
            answer = with_urgent_care(answer, alone.urgent_care)
        answer = with_missing_list_note(answer, snapshot.texts.missing_list)
        return replace(answer, context_used=context)

    def smalltalk(self, snapshot: Snapshot, question: str, language: str) -> Answer:
        """The reply to small talk in its language: what the service does, and the helpline."""
        reply = snapshot.texts.smalltalk_reply(language, self._language)
        return smalltalk(question, reply, snapshot.index.manifest.build_id, language, snapshot.texts)

    def no_documents(
        self, snapshot: Snapshot, question: str, language: str, vector: npt.NDArray[np.float32] | None = None
    ) -> Answer:
        """The reply when no document of the build is in the question's language; `vector` as for `finish`."""
        answer = no_documents_in(question, language, snapshot.index.manifest.build_id, snapshot.texts, self._language)
        return self.finish(snapshot, answer, vector)
