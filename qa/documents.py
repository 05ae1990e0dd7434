"""Source documents and the loaders that read a corpus from disk."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import CorpusError, DocumentNotFound
from qa.language_tags import language_code

TEXT_SUFFIXES = (".txt", ".md")
SIDECAR_SUFFIX = ".meta.json"
_KNOWN_FIELDS = ("id", "title", "url", "text", "publisher", "last_revised", "copyright", "boilerplate", "helpline")
_TEXT_FIELDS = ("title", "url", "publisher", "source", "last_revised", "copyright")


@dataclass(frozen=True)
class Document:
    """One source document: its exact text and what is known about it."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    last_revised: str | None = None
    copyright: str | None = None
    boilerplate: tuple[str, ...] = ()
    helpline: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The document's metadata without its text."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "publisher": self.publisher,
            "last_revised": self.last_revised,
            "copyright": self.copyright,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class Corpus:
    """A set of documents with stable ids, in load order."""

    documents: dict[str, Document]

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents.values())

    def __len__(self) -> int:
        return len(self.documents)

    def get(self, document_id: str) -> Document:
        try:
            return self.documents[document_id]
        except KeyError:
            raise DocumentNotFound(f"No document with id {document_id!r}.") from None

    def fingerprint(self) -> str:
        """A hash of every document's text and metadata: it changes when any of them does."""
        digest = hashlib.sha256()
        for doc in self:
            digest.update(json.dumps(doc.describe(), sort_keys=True, default=str).encode())
            digest.update(json.dumps([doc.boilerplate, doc.helpline]).encode())
            digest.update(doc.text.encode("utf-8"))
        return digest.hexdigest()


def document_from_record(record: dict[str, Any], default_id: str) -> Document:
    """Build a Document from a JSON record; fields it does not know are kept as metadata."""
    doc_id = str(record.get("id") or default_id)
    text = record.get("text")
    if not isinstance(text, str):
        raise CorpusError(f"Document {doc_id!r} has no text.")
    wrong = [name for name in _TEXT_FIELDS if not isinstance(record.get(name) or "", str)]
    line_lists = {name: record.get(name) or [] for name in ("boilerplate", "helpline")}
    for name, lines in line_lists.items():
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            wrong.append(name)
    if wrong:
        raise CorpusError(
            f"Document {doc_id!r}: {', '.join(wrong)} must be text (boilerplate, helpline: a list of lines)."
        )
    metadata = {k: v for k, v in record.items() if k not in _KNOWN_FIELDS}
    if "language" in metadata:  # questions find a document only by a code the detector also gives
        try:
            metadata["language"] = language_code(str(metadata["language"]))
        except ValueError as error:
            raise CorpusError(f"Document {doc_id!r}: language {error}.") from None
    return Document(
        id=doc_id,
        text=text,
        title=record.get("title") or None,
        url=record.get("url") or None,
        publisher=record.get("publisher") or record.get("source") or None,
        last_revised=record.get("last_revised") or None,
        copyright=record.get("copyright") or None,
        boilerplate=tuple(line_lists["boilerplate"]),
        helpline=tuple(line_lists["helpline"]),
        metadata=metadata,
    )


def _read_utf8(path: Path) -> str:
    # Bytes are decoded as they are, so "\r\n" survives and offsets stay exact.
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None


def _json_object(raw: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CorpusError(f"{where} is not a JSON object.")
    return value


def _read_text_document(path: Path) -> Document:
    text = _read_utf8(path)
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    meta = _json_object(_read_utf8(sidecar), f"Metadata file {sidecar}") if sidecar.exists() else {}
    return document_from_record({**meta, "text": text}, default_id=path.stem)


def _read_collection(path: Path) -> Iterator[Document]:
    # Split on "\n" only: JSON strings may hold U+2028, which str.splitlines() would break on.
    for number, line in enumerate(_read_utf8(path).split("\n"), start=1):
        if line.strip():
            yield document_from_record(_json_object(line, f"{path}:{number}"), default_id=f"{path.stem}-{number}")


def _documents_at(path: Path) -> Iterator[Document]:
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix in TEXT_SUFFIXES or child.suffix == ".jsonl":
                yield from _documents_at(child)
    elif path.suffix == ".jsonl":
        yield from _read_collection(path)
    elif path.suffix in TEXT_SUFFIXES:
        yield _read_text_document(path)
    else:
        raise CorpusError(f"{path} is not a folder, a .txt/.md document or a .jsonl collection.")


def load_corpus(path: Path) -> Corpus:
    """Read a folder of .txt/.md documents (with optional sidecars) or a .jsonl collection."""
    if not path.exists():
        raise CorpusError(f"Corpus not found at {path}. Set QA_CORPUS or pass --corpus.")
    documents: dict[str, Document] = {}
    for doc in _documents_at(path):
        if doc.id in documents:
            raise CorpusError(f"Two documents share the id {doc.id!r} in {path}.")
        documents[doc.id] = doc
    if not documents:
        raise CorpusError(f"No documents found in {path}.")
    return Corpus(documents)
