"""Build, check and load the on-disk index: passages, FAISS vectors, BM25 and a manifest.

Layout of `index_dir`:

    CURRENT                  name of the live build (replaced atomically)
    .CURRENT.<pid>.tmp       CURRENT being replaced; removed at start-up if its process died
    builds/<build-id>/       one complete build: manifest.json and its files
    builds/.tmp-<build-id>/  a build in progress; never read, removed on the next build
    models/                  ONNX exports of the encoder (and .tmp-onnx-<pid>/ exports in progress)

A build is written into a temporary folder, fsynced, renamed, and only then named in
CURRENT, so a crash at any point leaves the previous build serving.
"""

import fcntl
import hashlib
import io
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel, ValidationError

from qa.checksums import file_sha256
from qa.chunking import CHUNKER_VERSION, Passage, chunk_corpus
from qa.documents import Corpus, Document, load_corpus
from qa.embedding import load_encoder, model_id
from qa.encoder import Encoder, Vectors
from qa.errors import IndexBuildError, IndexCorrupt, IndexMissing, IndexStale, SettingError
from qa.leftovers import remove_abandoned
from qa.lexical import LexicalIndex
from qa.settings import Settings
from qa.spelling import Speller, vocabulary

FORMAT_VERSION = 4  # 4: the manifest records its own digest
log = logging.getLogger("qa.index")
_FILES = ("passages.json", "dense.faiss", "vectors.npy", "sentences.npy", "vocabulary.json")
BUILD_NAME = re.compile(rb"[0-9A-Za-z][0-9A-Za-z._-]{0,99}")


class Manifest(BaseModel):
    """What a build was made from; a mismatch with the present makes it stale."""

    format: int
    build_id: str
    model: str
    dimension: int
    corpus_fingerprint: str
    chunker_version: str
    max_passage_chars: int
    dense_index: str
    documents: int
    passages: int
    sentences: int
    built_at: str
    build_seconds: float
    checksums: dict[str, str]
    digest: str = ""  # SHA-256 of the manifest's JSON without this field: a damaged manifest is told apart

    def own_digest(self) -> str:
        return hashlib.sha256(self.model_dump_json(exclude={"digest"}).encode()).hexdigest()


@dataclass
class Index:
    """A loaded build: everything retrieval needs, read-only once made."""

    manifest: Manifest
    corpus: Corpus
    passages: list[Passage]
    dense: faiss.Index
    vectors: Vectors
    sentence_vectors: Vectors
    lexical: LexicalIndex
    speller: Speller
    path: Path


def embedding_text(passage: Passage, doc: Document) -> str:
    """What gets embedded and keyword-indexed: the passage with its title and lead-in."""
    return _with_context(doc.title, passage.lead_in, passage.text)


def sentence_texts(passage: Passage, doc: Document) -> list[str]:
    """What gets embedded for each sentence: the sentence after its document's title,
    so a sentence about one disease does not match a question about another."""
    return [_with_context(doc.title, doc.text[start:end]) for start, end in passage.sentences]


def _with_context(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def current_build(index_dir: Path) -> Path:
    """The folder of the live build, or IndexMissing."""
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        raise IndexMissing(f"No index has been built in {index_dir}.")
    if not pointer.is_file():
        raise IndexCorrupt(f"{pointer} is not a file: it should name the live build. Remove it and run `qa index build`.")
    name = pointer.read_bytes().strip()
    if not name:
        raise IndexCorrupt(f"{pointer} is empty: it should name the live build. Run `qa index build`.")
    if not BUILD_NAME.fullmatch(name):
        raise IndexCorrupt(f"{pointer} does not hold a build name ({name[:40]!r}). Run `qa index build`.")
    build = index_dir / "builds" / name.decode("ascii")
    if not build.is_dir():
        raise IndexCorrupt(f"{pointer} names a build that does not exist ({build.name}). Run `qa index build`.")
    return build


def read_manifest(build: Path) -> Manifest:
    try:
        manifest = Manifest.model_validate_json((build / "manifest.json").read_bytes())
    except (OSError, ValidationError) as exc:
        raise IndexCorrupt(
            f"The index manifest in {build} is unreadable ({type(exc).__name__}). Run `qa index build`."
        ) from None
    # An older format has no digest; it is stale (check_fresh), not damaged.
    if manifest.format == FORMAT_VERSION and manifest.digest != manifest.own_digest():
        raise IndexCorrupt(
            f"Index file {build / 'manifest.json'} is damaged (it does not match its own digest). Run `qa index build`."
        )
    return manifest


def check_fresh(manifest: Manifest, settings: Settings, corpus: Corpus) -> None:
    """Raise IndexStale when the build no longer matches the corpus, model or chunker."""
    expected = {
        "format": FORMAT_VERSION,
        "model": model_id(settings),
        "corpus_fingerprint": corpus.fingerprint(),
        "chunker_version": CHUNKER_VERSION,
        "max_passage_chars": settings.max_passage_chars,
    }
    changed = [name for name, value in expected.items() if getattr(manifest, name) != value]
    if changed:
        raise IndexStale(f"The index is out of date ({', '.join(changed)} changed).")


def load_index(settings: Settings, corpus: Corpus | None = None) -> Index:
    """Open the live build after checking that it is fresh and whole."""
    corpus = corpus or load_corpus(settings.corpus)
    build = current_build(settings.index_dir)
    manifest = read_manifest(build)
    if manifest.build_id != build.name:
        raise IndexCorrupt(
            f"The manifest in {build} names build {manifest.build_id!r}, not {build.name!r}. Run `qa index build`."
        )
    check_fresh(manifest, settings, corpus)
    problem = damaged_file(build, manifest)
    if problem:
        raise IndexCorrupt(f"Index file {build / problem} is damaged or missing. Run `qa index build`.")
    try:
        records = json.loads((build / "passages.json").read_text(encoding="utf-8"))
        passages = [_passage(record, corpus) for record in records]
        # Read into memory, not memory-mapped: a file of the live build that is truncated or rewritten
        # later would otherwise kill the process (SIGBUS) or change its answers (docs/reliability.md).
        dense = faiss.deserialize_index(np.frombuffer(_verified(build, "dense.faiss", manifest), dtype=np.uint8))
        vectors = np.load(io.BytesIO(_verified(build, "vectors.npy", manifest)))
        sentence_vectors = np.load(io.BytesIO(_verified(build, "sentences.npy", manifest)))
        lexical = LexicalIndex.load(build / "bm25")
        speller = Speller(json.loads((build / "vocabulary.json").read_text(encoding="utf-8")))
    except IndexCorrupt:
        raise
    except Exception as exc:  # any failure to read a checked file means corruption
        raise IndexCorrupt(f"The index in {build} cannot be read ({type(exc).__name__}: {exc}).") from None
    if not dense.ntotal == len(vectors) == len(passages) or len(sentence_vectors) != manifest.sentences:
        raise IndexCorrupt(f"The index in {build} does not match its manifest. Run `qa index build`.")
    _set_search_params(dense, settings)
    return Index(manifest, corpus, passages, dense, vectors, sentence_vectors, lexical, speller, build)


def damaged_file(build: Path, manifest: Manifest) -> str | None:
    """The first of the build's files that is missing or no longer matches its recorded checksum, else None."""
    for name, digest in manifest.checksums.items():
        try:
            if file_sha256(build / name) != digest:
                return name
        except OSError:
            return name
    return None


def _verified(build: Path, name: str, manifest: Manifest) -> bytes:
    """A file's bytes, once more checked against the manifest: what is loaded is what was verified."""
    data = (build / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.checksums.get(name):
        raise IndexCorrupt(f"Index file {build / name} changed while it was loaded. Run `qa index build`.")
    return data


def ensure_index(settings: Settings, on_build: Callable[[], None] | None = None) -> Index:
    """Load the live build, building it first when it is missing or stale (and saying so, also to `on_build`),
    if the settings allow building here (QA_BUILD_ON_START).

    Called at start-up, so it first removes CURRENT temporaries left by processes that died.
    """
    remove_abandoned(settings.index_dir, ".CURRENT.", ".tmp")
    corpus = load_corpus(settings.corpus)
    try:
        return load_index(settings, corpus)
    except (IndexMissing, IndexStale) as exc:
        if not settings.build_on_start:
            raise type(exc)(
                f"{exc} This process does not build indexes (QA_BUILD_ON_START=false):"
                f" run `qa index build --index-dir {settings.index_dir}` first."
            ) from None
        log.warning("%s Building a new index in %s.", exc, settings.index_dir)
    if on_build:
        on_build()
    build_index(settings, corpus)
    return load_index(settings, corpus)


def build_index(settings: Settings, corpus: Corpus | None = None, encoder: Encoder | None = None) -> Manifest:
    """Build a complete new index beside the live one, then switch CURRENT to it."""
    started = time.perf_counter()
    corpus = corpus or load_corpus(settings.corpus)
    index_dir = settings.index_dir
    try:
        (index_dir / "builds").mkdir(parents=True, exist_ok=True)
        (index_dir / ".build.lock").touch()
    except OSError as error:
        raise SettingError(
            f"invalid QA_INDEX_DIR: an index must be built in {index_dir}, which cannot be written"
            f" ({error.strerror or error})"
        ) from None
    with _build_lock(index_dir):
        build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        staging = index_dir / "builds" / f".tmp-{build_id}"
        try:
            manifest = _write_build(settings, corpus, encoder, staging, build_id, started)
            _fsync_tree(staging)
            staging.rename(index_dir / "builds" / build_id)
            _atomic_write(index_dir / "CURRENT", build_id)
        except Exception as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise IndexBuildError(f"Index build failed: {type(exc).__name__}: {exc}") from exc
        _prune(index_dir, keep={build_id, *_recent_builds(index_dir, settings.builds_kept_on_disk)})
    log.info("Built index %s: %d passages in %.1f s.", build_id, manifest.passages, manifest.build_seconds)
    return manifest


def _write_build(
    settings: Settings, corpus: Corpus, encoder: Encoder | None, folder: Path, build_id: str, started: float
) -> Manifest:
    folder.mkdir(parents=True)
    passages = chunk_corpus(corpus, settings.max_passage_chars)
    if not passages:
        raise IndexBuildError("The corpus has no text to index.")
    # Passages are encoded by the float model, in long runs that spread well over every core.
    encoder = encoder or load_encoder(settings.model_copy(update={"encoder_threads": 0}), quantized=False)
    texts = [embedding_text(p, corpus.get(p.document_id)) for p in passages]
    vectors = encoder.encode(texts)
    np.save(folder / "vectors.npy", vectors)
    sentences = [text for p in passages for text in sentence_texts(p, corpus.get(p.document_id))]
    np.save(folder / "sentences.npy", encoder.encode(sentences).astype(np.float16))
    dense = _dense_index(vectors, settings)
    faiss.write_index(dense, str(folder / "dense.faiss"))
    (folder / "passages.json").write_text(json.dumps([_record(p) for p in passages]), encoding="utf-8")
    LexicalIndex.build(texts).save(folder / "bm25")
    (folder / "vocabulary.json").write_text(json.dumps(vocabulary(texts)), encoding="utf-8")
    manifest = Manifest(
        format=FORMAT_VERSION,
        build_id=build_id,
        model=model_id(settings),
        dimension=vectors.shape[1],
        corpus_fingerprint=corpus.fingerprint(),
        chunker_version=CHUNKER_VERSION,
        max_passage_chars=settings.max_passage_chars,
        dense_index=type(dense).__name__,
        documents=len(corpus),
        passages=len(passages),
        sentences=len(sentences),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
        checksums={path.relative_to(folder).as_posix(): file_sha256(path) for path in _checked_files(folder)},
    )
    write_manifest(folder, manifest)
    return manifest


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write the build's manifest.json, with its own digest."""
    manifest.digest = manifest.own_digest()
    (folder / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")


def _checked_files(folder: Path) -> list[Path]:
    return [folder / name for name in _FILES] + sorted((folder / "bm25").iterdir())


def _dense_index(vectors: Vectors, settings: Settings) -> faiss.Index:
    # Inner product equals cosine similarity on normalized vectors.
    if len(vectors) > settings.exact_search_max:
        return hnsw_index(vectors, settings)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


def hnsw_index(vectors: Vectors, settings: Settings) -> faiss.IndexHNSWFlat:
    """An approximate inner-product index over `vectors`, built with the settings' M and efConstruction."""
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = settings.hnsw_ef_construction
    hnsw.add(vectors)
    return hnsw


def _set_search_params(dense: faiss.Index, settings: Settings) -> None:
    if settings.search_threads:
        faiss.omp_set_num_threads(settings.search_threads)  # process-wide, as OpenMP is
    if isinstance(dense, faiss.IndexHNSW):
        dense.hnsw.efSearch = settings.hnsw_ef_search


def _record(passage: Passage) -> dict[str, object]:
    return {
        "document_id": passage.document_id,
        "start": passage.start,
        "end": passage.end,
        "kind": passage.kind,
        "sentences": passage.sentences,
        "lead_in": passage.lead_in,
    }


def _passage(record: dict[str, object], corpus: Corpus) -> Passage:
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


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    with (index_dir / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _atomic_write(path: Path, content: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _recent_builds(index_dir: Path, count: int) -> list[str]:
    names = sorted(p.name for p in (index_dir / "builds").iterdir() if p.is_dir() and not p.name.startswith("."))
    return names[-count:]


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Remove old builds and abandoned temporary folders (a build in flight holds the lock)."""
    for path in (index_dir / "builds").iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
