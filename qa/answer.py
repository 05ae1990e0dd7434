"""Answers: verbatim passages with their source, their status, a disclaimer, and the helpline."""

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from qa.documents import Document
from qa.lists import missing_list
from qa.publisher import UrgentCare
from qa.refusal import Status
from qa.retrieval import Hit
from qa.sentences import Span

# What a reply is: a decision on the passages (Status), or a reply to small talk with no passage at all.
Outcome = Literal["answered", "related", "not_found", "smalltalk"]

DISCLAIMER = (
    "This service quotes its sources word for word and gives general information, not medical advice. "
    "Please review any information with your doctor, who knows your situation."
)
HELPLINE = {
    "name": "American Cancer Society cancer helpline",
    "phone": "1-800-227-2345",
    "tel": "tel:18002272345",
    "hours": "Phone 24/7; live chat weekdays, 7:00 am - 6:30 pm CT",
}
_HELP = "call 1-800-227-2345 any time, day or night, or use live chat on weekdays, 7:00 am - 6:30 pm CT."
MESSAGES: dict[Status, str] = {
    "answered": "Here are the passages from our sources that best match your question, best first.",
    "related": "Our article does not answer this question. These are the passages closest to your question; "
    "they are about its subject but do not answer it. Your care team or the helpline can answer it: " + _HELP,
    "not_found": "We could not find an answer to that question in our cancer information. "
    "A trained cancer information specialist can help: " + _HELP,
}
# When the corpus has no document in the question's language: the message and disclaimer in that language.
NO_DOCUMENTS_IN_LANGUAGE = {
    "es": (
        "Lo sentimos: todavía no tenemos información sobre el cáncer en español, así que no podemos responder "
        "a su pregunta. Un especialista en información sobre el cáncer puede ayudarle: llame al 1-800-227-2345, "
        "a cualquier hora del día o de la noche.",
        "Este servicio cita sus fuentes palabra por palabra y ofrece información general, no consejo médico. "
        "Hable de cualquier información con su médico, que conoce su situación.",
    ),
}
NO_DOCUMENTS_MESSAGE = (
    "We have no cancer information in the language of your question yet. "
    "A trained cancer information specialist can help: call 1-800-227-2345 any time, day or night."
)


@dataclass(frozen=True)
class AnswerPassage:
    """A passage as returned to readers: verbatim text, where it is, and whose words."""

    id: str
    text: str
    score: float
    document_id: str
    title: str | None
    url: str | None
    start: int
    end: int
    publisher: str | None
    last_revised: str | None
    copyright: str | None
    kind: str
    highlights: list[dict[str, int]]
    incomplete: bool = False


@dataclass(frozen=True)
class Answer:
    """The whole response to one question."""

    question: str
    answered: bool
    status: Outcome
    passages: list[AnswerPassage]
    message: str
    build_id: str
    language: str
    disclaimer: str = DISCLAIMER
    helpline: dict[str, str] = field(default_factory=lambda: dict(HELPLINE))
    context_used: list[int] = field(default_factory=list)
    urgent: bool = False
    urgent_care: UrgentCare | None = None
    missing_list_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_passage(hit: Hit, doc: Document) -> AnswerPassage:
    passage = hit.passage
    return AnswerPassage(
        id=passage.id,
        text=passage.text,
        score=hit.score,
        document_id=doc.id,
        title=doc.title,
        url=doc.url,
        start=passage.start,
        end=passage.end,
        publisher=doc.publisher,
        last_revised=doc.last_revised,
        copyright=doc.copyright,
        kind=passage.kind,
        highlights=[_span(h) for h in hit.highlights],
        incomplete=missing_list(doc.text, passage.start, passage.end),
    )


def assemble(
    question: str, status: Status, hits: list[Hit], documents: dict[str, Document], build_id: str, language: str
) -> Answer:
    """An Answer from ranked hits of build `build_id`: `answered` and `related` carry them, `not_found` none."""
    shown = [] if status == "not_found" else hits
    passages = [answer_passage(hit, documents[hit.passage.document_id]) for hit in shown]
    return Answer(question, status == "answered", status, passages, MESSAGES[status], build_id, language)


def with_urgent_care(answer: Answer, care: UrgentCare) -> Answer:
    """The answer with what to do now first: in its own field and at the start of its message."""
    return replace(answer, urgent=True, urgent_care=care, message=f"{care.message} {answer.message}")


def with_missing_list_note(answer: Answer, note: str) -> Answer:
    """The answer with the note on lists this copy lacks, when a passage it shows ends on one."""
    return replace(answer, missing_list_note=note) if any(p.incomplete for p in answer.passages) else answer


def smalltalk(question: str, reply: str, build_id: str, language: str) -> Answer:
    """The reply to a message that is not a question about cancer: what the service does, and the helpline."""
    return Answer(question, False, "smalltalk", [], reply, build_id, language)


def no_documents_in(question: str, language: str, build_id: str) -> Answer:
    """The reply, in the visitor's language where we have it, when no document is in that language."""
    message, disclaimer = NO_DOCUMENTS_IN_LANGUAGE.get(language, (NO_DOCUMENTS_MESSAGE, DISCLAIMER))
    return Answer(question, False, "not_found", [], message, build_id, language, disclaimer=disclaimer)


def _span(span: Span) -> dict[str, int]:
    return {"start": span[0], "end": span[1]}
