"""Answers: verbatim passages with their source, a disclaimer, and the helpline fallback."""

from dataclasses import asdict, dataclass, field
from typing import Any

from qa.documents import Document
from qa.retrieval import Hit
from qa.sentences import Span

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
ANSWERED_MESSAGE = "Here are the passages from our sources that best match your question, best first."
REFUSED_MESSAGE = (
    "We could not find an answer to that question in our cancer information. "
    "A trained cancer information specialist can help: call 1-800-227-2345 any time, day or night, "
    "or use live chat on weekdays, 7:00 am - 6:30 pm CT."
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


@dataclass(frozen=True)
class Answer:
    """The whole response to one question."""

    question: str
    answered: bool
    passages: list[AnswerPassage]
    message: str
    disclaimer: str = DISCLAIMER
    helpline: dict[str, str] = field(default_factory=lambda: dict(HELPLINE))
    context_used: list[int] = field(default_factory=list)

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
    )


def assemble(question: str, answered: bool, hits: list[Hit], documents: dict[str, Document]) -> Answer:
    """An Answer from ranked hits; a refused question carries no passages at all."""
    if not answered:
        return Answer(question=question, answered=False, passages=[], message=REFUSED_MESSAGE)
    passages = [answer_passage(hit, documents[hit.passage.document_id]) for hit in hits]
    return Answer(question=question, answered=True, passages=passages, message=ANSWERED_MESSAGE)


def _span(span: Span) -> dict[str, int]:
    return {"start": span[0], "end": span[1]}
