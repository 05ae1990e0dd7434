"""Answers: verbatim passages with their source, their status, a disclaimer, and the helpline."""

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from qa.documents import Document
from qa.evidence import Hit
from qa.lists import missing_list
from qa.publisher import PublisherTexts, UrgentCare
from qa.refusal import Status
from qa.sentences import Span

# What a reply is: a decision on the passages (Status), or a reply to small talk with no passage at all.
Outcome = Literal["answered", "related", "not_found", "smalltalk"]


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
    disclaimer: str
    helpline: dict[str, str]
    context_used: list[int] = field(default_factory=list)
    urgent: bool = False
    urgent_care: UrgentCare | None = None
    missing_list_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_passage(hit: Hit, doc: Document) -> AnswerPassage:
    passage = hit.shown
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
    question: str,
    status: Status,
    hits: list[Hit],
    documents: dict[str, Document],
    build_id: str,
    language: str,
    texts: PublisherTexts,
) -> Answer:
    """An Answer from ranked hits of build `build_id`: `answered` and `related` carry them, `not_found` none."""
    shown = [] if status == "not_found" else hits
    passages = [answer_passage(hit, documents[hit.passage.document_id]) for hit in shown]
    message = texts.messages[status]
    return Answer(
        question, status == "answered", status, passages, message, build_id, language, texts.disclaimer, texts.helpline
    )


def with_urgent_care(answer: Answer, care: UrgentCare) -> Answer:
    """The answer with what to do now first: in its own field and at the start of its message."""
    return replace(answer, urgent=True, urgent_care=care, message=f"{care.message} {answer.message}")


def with_missing_list_note(answer: Answer, note: str) -> Answer:
    """The answer with the note on lists this copy lacks, when a passage it shows ends on one."""
    return replace(answer, missing_list_note=note) if any(p.incomplete for p in answer.passages) else answer


def smalltalk(question: str, reply: str, build_id: str, language: str, texts: PublisherTexts) -> Answer:
    """The reply to a message that is not a question about cancer: what the service does, and the helpline."""
    return Answer(question, False, "smalltalk", [], reply, build_id, language, texts.disclaimer, texts.helpline)


def no_documents_in(
    question: str, language: str, build_id: str, texts: PublisherTexts, default_language: str
) -> Answer:
    """The reply, in the visitor's language where we have it, when no document is in that language."""
    message, disclaimer = texts.no_documents_reply(language, default_language)
    return Answer(question, False, "not_found", [], message, build_id, language, disclaimer, texts.helpline)


def _span(span: Span) -> dict[str, int]:
    return {"start": span[0], "end": span[1]}
