"""Passages as a build stores them (offsets into their document) and the texts it embeds for them."""

from qa.chunking import Passage
from qa.documents import Corpus, Document


def embedding_text(passage: Passage, doc: Document) -> str:
    """What gets embedded and keyword-indexed: the passage with its title and lead-in."""
    return _with_context(doc.title, passage.lead_in, passage.text)


def sentence_texts(passage: Passage, doc: Document) -> list[str]:
    """What gets embedded for each sentence: the sentence after its document's title,
    so a sentence about one disease does not match a question about another."""
    return [_with_context(doc.title, doc.text[start:end]) for start, end in passage.sentences]


def _with_context(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def passage_record(passage: Passage) -> dict[str, object]:
    """What passages.json keeps of a passage: its offsets, sentences and lead-in (its text stays in the corpus)."""
    return {
        "document_id": passage.document_id,
        "start": passage.start,
        "end": passage.end,
        "kind": passage.kind,
        "sentences": passage.sentences,
        "lead_in": passage.lead_in,
    }


def stored_passage(record: dict[str, object], corpus: Corpus) -> Passage:
    """The passage a passages.json record names, its text taken from its document."""
    doc = corpus.get(str(record["document_id"]))
    start, end = int(record["start"]), int(record["end"])  # type: ignore[call-overload]
    return Passage(
        id=f"{doc.id}:{start}-{end}",
        document_id=doc.id,
        start=start,
        end=end,
        text=doc.text[start:end],
        kind=record["kind"],  # type: ignore[arg-type]
        sentences=tuple((int(s), int(e)) for s, e in record["sentences"]),  # type: ignore[attr-defined]
        lead_in=record["lead_in"],  # type: ignore[arg-type]
    )
