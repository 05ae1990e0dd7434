"""The on-disk index: built when missing, rebuilt when stale, refused when corrupt, swapped atomically."""

import json
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.chunking import chunk_corpus
from qa.encoder import Vectors
from qa.engine import Engine, load_engine
from qa.errors import IndexBuildError, IndexCorrupt, IndexMissing, IndexStale
from qa.index import Index, build_index, ensure_index, load_index
from qa.reindex import Reindexer
from qa.settings import Settings

pytestmark = pytest.mark.slow


def live_build(settings: Settings) -> Path:
    return settings.index_dir / "builds" / (settings.index_dir / "CURRENT").read_text().strip()


def build_names(settings: Settings) -> list[str]:
    return sorted(path.name for path in (settings.index_dir / "builds").iterdir())


@pytest.fixture
def copied(settings: Settings, index: Index, tmp_path: Path) -> Settings:
    """Settings pointing at a private copy of the session's index (the ONNX cache stays shared)."""
    shutil.copytree(settings.index_dir, tmp_path / "index")
    return settings.model_copy(update={"index_dir": tmp_path / "index"})


def test_the_index_holds_every_corpus_passage_verbatim(settings: Settings, index: Index) -> None:
    assert index.passages == chunk_corpus(index.corpus, settings.max_passage_chars)
    for passage in index.passages:
        assert passage.text == index.corpus.get(passage.document_id).text[passage.start : passage.end]
    manifest = index.manifest
    assert (manifest.documents, manifest.passages) == (len(index.corpus), len(index.passages))
    assert manifest.sentences == sum(len(p.sentences) for p in index.passages) == len(index.sentence_vectors)
    assert index.dense.ntotal == len(index.vectors) == len(index.passages)
    assert manifest.max_passage_chars == settings.max_passage_chars


def test_vectors_are_normalized_and_exact_search_finds_each_passage_itself(index: Index) -> None:
    vectors = np.asarray(index.vectors, dtype=np.float32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    _, nearest = index.dense.search(vectors, 1)
    assert nearest[:, 0].tolist() == list(range(len(vectors)))


def test_a_missing_index_is_built_by_ensure_index(
    settings: Settings, index: Index, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fresh = settings.model_copy(update={"index_dir": tmp_path / "index"})
    with pytest.raises(IndexMissing, match="No index has been built"):
        load_index(fresh)
    with caplog.at_level(logging.WARNING, logger="qa.index"):
        built = ensure_index(fresh)
    assert any(r.levelno == logging.WARNING and "No index has been built" in r.getMessage() for r in caplog.records)
    assert live_build(fresh).name == built.manifest.build_id
    assert built.passages == index.passages
    assert load_index(fresh).manifest.build_id == built.manifest.build_id


def test_a_smaller_passage_limit_makes_the_index_stale_and_ensure_index_rebuilds_it(
    copied: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    old_build = live_build(copied).name
    # A build that was killed midway leaves a temporary folder: never read, removed by the next build.
    (copied.index_dir / "builds" / ".tmp-20200101T000000000000Z").mkdir()
    smaller = copied.model_copy(update={"max_passage_chars": 400})
    with pytest.raises(IndexStale, match="max_passage_chars"):
        load_index(smaller)
    with caplog.at_level(logging.WARNING, logger="qa.index"):
        rebuilt = ensure_index(smaller)
    assert any(r.levelno == logging.WARNING and "out of date" in r.getMessage() for r in caplog.records)
    assert rebuilt.manifest.build_id != old_build and rebuilt.manifest.max_passage_chars == 400
    assert all(len(p.text) <= 400 for p in rebuilt.passages)
    assert not [name for name in build_names(copied) if name.startswith(".tmp-")]
    with pytest.raises(IndexStale):
        load_index(copied)


def test_a_changed_corpus_makes_the_index_stale_and_ensure_index_rebuilds_it(
    copied: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(copied.corpus, corpus)
    article = corpus / "acs-immunotherapy.txt"
    added = "Immunotherapy research is moving quickly, so ask about clinical trials."
    article.write_bytes(article.read_bytes().replace(b"\nLast Revised:", f"\n{added}\nLast Revised:".encode()))
    changed = copied.model_copy(update={"corpus": corpus})
    with pytest.raises(IndexStale, match="corpus_fingerprint"):
        load_index(changed)
    with caplog.at_level(logging.WARNING, logger="qa.index"):
        rebuilt = ensure_index(changed)
    assert any(r.levelno == logging.WARNING and "out of date" in r.getMessage() for r in caplog.records)
    assert [p.text for p in rebuilt.passages if added in p.text]
    assert load_index(changed).manifest.build_id == rebuilt.manifest.build_id


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(255 - b for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


def _point_current_at_a_missing_build(build: Path) -> None:
    (build.parent.parent / "CURRENT").write_text("20000101T000000000000Z")


def _rename_the_live_build(build: Path) -> None:
    build.rename(build.with_name("20990101T000000000000Z"))
    (build.parent.parent / "CURRENT").write_text("20990101T000000000000Z")


_DAMAGE: dict[str, Callable[[Path], object]] = {
    "truncated dense.faiss": lambda build: _truncate(build / "dense.faiss"),
    "garbled dense.faiss": lambda build: _garble(build / "dense.faiss"),
    "deleted dense.faiss": lambda build: (build / "dense.faiss").unlink(),
    "truncated vectors.npy": lambda build: _truncate(build / "vectors.npy"),
    "garbled sentences.npy": lambda build: _garble(build / "sentences.npy"),
    "truncated passages.json": lambda build: _truncate(build / "passages.json"),
    "garbage manifest.json": lambda build: (build / "manifest.json").write_bytes(b"\x00garbage{"),
    "empty manifest.json": lambda build: (build / "manifest.json").write_text("{}"),
    "deleted manifest.json": lambda build: (build / "manifest.json").unlink(),
    "garbled bm25 data": lambda build: _garble(build / "bm25" / "data.csc.index.npy"),
    "deleted bm25 folder": lambda build: shutil.rmtree(build / "bm25"),
    "CURRENT names a missing build": _point_current_at_a_missing_build,
    "garbage CURRENT": lambda build: (build.parent.parent / "CURRENT").write_bytes(b"\x00\xff"),
    "empty CURRENT": lambda build: (build.parent.parent / "CURRENT").write_bytes(b""),
    "manifest of another build": _rename_the_live_build,
    "CURRENT is a folder": lambda build: _replace_with_folder(build.parent.parent / "CURRENT"),
}


def _replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _garble_a_checksum_in_the_manifest(build: Path) -> None:
    manifest = build / "manifest.json"
    record = json.loads(manifest.read_text())
    digest = record["checksums"]["vectors.npy"]
    record["checksums"]["vectors.npy"] = ("0" if digest[0] != "0" else "1") + digest[1:]
    manifest.write_text(json.dumps(record, indent=2))


def test_a_damaged_manifest_is_blamed_on_the_manifest_not_on_the_file_it_garbles(copied: Settings) -> None:
    _garble_a_checksum_in_the_manifest(live_build(copied))
    with pytest.raises(IndexCorrupt, match=r"manifest\.json is damaged") as raised:
        load_index(copied)
    assert "vectors.npy" not in str(raised.value)


@pytest.mark.parametrize("damage", list(_DAMAGE))
def test_a_corrupt_index_raises_index_corrupt_with_a_clear_message(copied: Settings, damage: str) -> None:
    _DAMAGE[damage](live_build(copied))
    for load in (load_index, ensure_index):
        with pytest.raises(IndexCorrupt) as raised:
            load(copied)
        message = str(raised.value)
        assert "index" in message.lower() and "\n" not in message
        # Raised on its own (`from None`): what is printed is the message, not a chain of tracebacks.
        assert raised.value.__cause__ is None
        assert raised.value.__context__ is None or raised.value.__suppress_context__


@pytest.mark.parametrize(
    ("content", "said"),
    [(b"\x00\xff", "does not hold a build name (b'\\x00\\xff')"), (b"\n", "is empty: it should name the live build")],
)
def test_an_unreadable_current_says_what_is_wrong(copied: Settings, content: bytes, said: str) -> None:
    (copied.index_dir / "CURRENT").write_bytes(content)
    with pytest.raises(IndexCorrupt, match=re.escape(said)):
        load_index(copied)


def test_a_build_whose_manifest_names_another_build_is_refused_once(
    copied: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    service = load_engine(copied, load_index(copied))
    live = service.index.manifest.build_id
    renamed = live_build(copied).with_name("20990101T000000000000Z")
    shutil.copytree(live_build(copied), renamed)
    (copied.index_dir / "CURRENT").write_text(renamed.name)
    reindexer = Reindexer(service)
    with caplog.at_level(logging.WARNING, logger="qa.reindex"):
        assert [reindexer.reload_if_changed() for _ in range(3)] == [False, False, False]
    assert service.index.manifest.build_id == live
    assert [r.getMessage() for r in caplog.records if "names build" in r.getMessage()] == [
        f"Still serving index {live}: The manifest in {renamed} names build {live!r}, not {renamed.name!r}."
        " Run `qa index build`."
    ]


def test_current_temporaries_of_dead_processes_are_removed_at_start_up(copied: Settings) -> None:
    abandoned = copied.index_dir / ".CURRENT.4194305.tmp"  # above Linux's largest pid
    abandoned.write_text("20990101T000000000000Z")
    ensure_index(copied)
    assert not abandoned.exists()


class _FailsMidway:
    """The real encoder for the passages, then a failure on the sentences (the second call)."""

    def __init__(self, service: Engine) -> None:
        self._encoder = service.encoder.encoder
        self.name, self.dimension = self._encoder.name, self._encoder.dimension
        self.calls = 0

    def encode(self, texts: list[str]) -> Vectors:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("encoder failed midway")
        return self._encoder.encode(texts)


def test_a_build_that_fails_midway_leaves_the_previous_build_serving(copied: Settings, service: Engine) -> None:
    before = (copied.index_dir / "CURRENT").read_text()
    builds = build_names(copied)
    encoder = _FailsMidway(service)
    with pytest.raises(IndexBuildError, match="encoder failed midway"):
        build_index(copied, encoder=encoder)
    assert encoder.calls == 2
    assert (copied.index_dir / "CURRENT").read_text() == before
    assert build_names(copied) == builds
    assert load_index(copied).manifest.build_id == before.strip()
