"""The corpus loads byte for byte, with its sidecar metadata, and bad corpora fail clearly."""

import hashlib
import json
from pathlib import Path

import pytest

from qa.documents import Corpus, Document, load_corpus
from qa.errors import CorpusError, DocumentNotFound
from qa.settings import PROJECT_ROOT

ARTICLE = PROJECT_ROOT / "corpus" / "acs-immunotherapy.txt"
# sha256 of /work/shared/corpus/acs-immunotherapy.txt, the article exactly as received.
ARTICLE_SHA256 = "213137581ef8cd5a56b0c2da838edb66d041daa2d72becd2ee05dc4088ec47c2"


def test_the_article_is_byte_identical_to_the_one_received() -> None:
    assert hashlib.sha256(ARTICLE.read_bytes()).hexdigest() == ARTICLE_SHA256


def test_the_article_loads_with_its_sidecar_metadata() -> None:
    corpus = load_corpus(ARTICLE.parent)
    assert list(corpus.documents) == ["acs-immunotherapy"]
    doc = corpus.get("acs-immunotherapy")
    assert doc.text.encode("utf-8") == ARTICLE.read_bytes()
    assert doc.publisher == "American Cancer Society (medical and editorial content team, with review by ASCO)"
    assert doc.last_revised == "2025-08-07"
    assert doc.copyright == "American Cancer Society medical information is copyrighted material."
    assert doc.title is None and doc.url is None
    assert doc.boilerplate == (
        "Español",
        "PDFs by language",
        "Sign up to stay up-to-date with news, valuable information, and ways to get involved"
        " with the American Cancer Society.",
        "American Cancer Society medical information is copyrighted material."
        " For reprint requests, please see our Content Usage Policy.",
    )
    assert len(doc.helpline) == 6 and all(line in doc.text.split("\n") for line in doc.helpline)
    assert doc.helpline[1] == "Live Chat available weekdays, 7:00 am - 6:30 pm CT"
    assert doc.metadata == {"language": "en"}


def test_a_text_file_keeps_windows_line_endings_and_curly_quotes(tmp_path: Path) -> None:
    raw = "It’s “foreign.”\r\nSecond line:\r\nThird.\r\n".encode()
    (tmp_path / "crlf.txt").write_bytes(raw)
    doc = load_corpus(tmp_path).get("crlf")
    assert doc.text.encode("utf-8") == raw
    assert doc.publisher is None and doc.metadata == {}


def test_an_empty_text_file_is_a_document_without_text(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "other.md").write_text("Some text.", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus] == ["empty", "other"]
    assert corpus.get("empty").text == ""


def test_a_jsonl_collection_keeps_unknown_fields_as_metadata(tmp_path: Path) -> None:
    records = [
        {"id": "a", "text": "Alpha.", "title": "A", "source": "NCI", "language": "en"},
        {"text": "Beta.", "publisher": "ACS", "last_revised": "2024-01-01"},
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert [d.id for d in corpus] == ["a", "docs-2"]
    assert corpus.get("a").publisher == "NCI" and corpus.get("a").metadata == {"source": "NCI", "language": "en"}
    assert corpus.get("docs-2").last_revised == "2024-01-01"


def test_a_jsonl_line_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "One\u2028two."}, ensure_ascii=False) + "\r\n", encoding="utf-8")
    assert load_corpus(path).get("a").text == "One\u2028two."


@pytest.mark.parametrize(
    ("files", "target", "message"),
    [
        ({}, "missing", "Corpus not found"),
        ({}, ".", "No documents found"),
        ({"notes.pdf": "x"}, "notes.pdf", "is not a folder"),
        ({"a.txt": "Text.", "a.meta.json": "{not json"}, ".", "a.meta.json is not valid JSON"),
        ({"c.jsonl": '{"id": "x", "text": "ok"}\n{broken\n'}, "c.jsonl", "c.jsonl:2 is not valid JSON"),
        ({"c.jsonl": '{"id": "x", "title": "no text"}\n'}, "c.jsonl", "Document 'x' has no text"),
        ({"c.jsonl": '{"id": "x", "text": 5}\n'}, "c.jsonl", "Document 'x' has no text"),
        ({"a.txt": "One.", "a.md": "Two."}, ".", "Two documents share the id 'a'"),
        ({"a.txt": "Text.", "a.meta.json": '["a list"]'}, ".", "a.meta.json is not a JSON object"),
        ({"c.jsonl": '{"id": "x", "text": "ok"}\n5\n'}, "c.jsonl", "c.jsonl:2 is not a JSON object"),
        ({"latin1.txt": "Espa\u00f1ol".encode("latin-1")}, ".", "latin1.txt is not UTF-8 text"),
        ({"a.txt": "Text.", "a.meta.json": b"\xff{}"}, ".", "a.meta.json is not UTF-8 text"),
        ({"c.jsonl": '{"id": "x", "text": "ok", "title": 5}\n'}, "c.jsonl", "Document 'x': title must be text"),
        ({"c.jsonl": '{"id": "x", "text": "ok", "boilerplate": "Menu"}\n'}, "c.jsonl", "'x': boilerplate must be text"),
        ({"c.jsonl": '{"id": "x", "text": "ok", "helpline": [1]}\n'}, "c.jsonl", "'x': helpline must be text"),
    ],
)
def test_a_bad_corpus_raises_a_corpus_error(
    tmp_path: Path, files: dict[str, str | bytes], target: str, message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(CorpusError, match=message):
        load_corpus(tmp_path / target)


def test_an_unknown_document_is_not_found() -> None:
    corpus = Corpus({"a": Document(id="a", text="Alpha.")})
    with pytest.raises(DocumentNotFound, match="No document with id 'b'"):
        corpus.get("b")


@pytest.mark.parametrize(
    "changed",
    [
        Document(id="a", text="Alpha!"),
        Document(id="a", text="Alpha.", publisher="ACS"),
        Document(id="a", text="Alpha.", last_revised="2025-01-01"),
        Document(id="a", text="Alpha.", boilerplate=("Español",)),
    ],
)
def test_the_fingerprint_changes_with_text_or_metadata(changed: Document) -> None:
    original = Corpus({"a": Document(id="a", text="Alpha.")})
    assert original.fingerprint() == Corpus({"a": Document(id="a", text="Alpha.")}).fingerprint()
    assert original.fingerprint() != Corpus({"a": changed}).fingerprint()


def test_describe_holds_the_metadata_but_not_the_text() -> None:
    doc = load_corpus(ARTICLE.parent).get("acs-immunotherapy")
    described = doc.describe()
    assert "text" not in described
    assert described["copyright"] == doc.copyright and described["last_revised"] == "2025-08-07"
