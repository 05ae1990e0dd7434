"""Build a complete new index beside the live one: passages, FAISS vectors, BM25, vocabulary and a manifest."""

import json
import logging
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from qa.checksums import file_sha256
from qa.chunking import CHUNKER_VERSION, chunk_corpus
from qa.documents import Corpus, load_corpus
from qa.embedding import load_encoder, model_id
from qa.encoder import Encoder, Vectors
from qa.errors import IndexBuildError, SettingError
from qa.index.folders import atomic_write, build_lock, fsync_tree, prune, recent_builds
from qa.index.manifest import FORMAT_VERSION, Manifest, write_manifest
from qa.index.passages import embedding_text, passage_record, sentence_texts
from qa.lexical import LexicalIndex
from qa.settings import Settings
from qa.spelling import vocabulary

log = logging.getLogger("qa.index")
_FILES = ("passages.json", "dense.faiss", "vectors.npy", "sentences.npy", "vocabulary.json")


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
    with build_lock(index_dir):
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        staging = index_dir / "builds" / f".tmp-{build_id}"
        try:
            manifest = _write_build(settings, corpus, encoder, staging, build_id, started)
            fsync_tree(staging)
            staging.rename(index_dir / "builds" / build_id)
            atomic_write(index_dir / "CURRENT", build_id)
        except Exception as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise IndexBuildError(f"Index build failed: {type(exc).__name__}: {exc}") from exc
        prune(index_dir, keep={build_id, *recent_builds(index_dir, settings.builds_kept_on_disk)})
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
    (folder / "passages.json").write_text(json.dumps([passage_record(p) for p in passages]), encoding="utf-8")
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
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
        checksums={path.relative_to(folder).as_posix(): file_sha256(path) for path in _checked_files(folder)},
    )
    write_manifest(folder, manifest)
    return manifest


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
