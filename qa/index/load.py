"""Open the live build after checking that it is fresh and whole, building it first where that is allowed."""

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa.chunking import Passage
from qa.documents import Corpus, load_corpus
from qa.encoder import Vectors
from qa.errors import IndexCorrupt, IndexMissing, IndexStale
from qa.index.build import build_index
from qa.index.folders import current_build
from qa.index.manifest import Manifest, check_fresh, damaged_file, read_manifest, verified_bytes
from qa.index.passages import stored_passage
from qa.leftovers import remove_abandoned
from qa.lexical import LexicalIndex
from qa.settings import Settings
from qa.spelling import Speller

log = logging.getLogger("qa.index")


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
        passages = [stored_passage(record, corpus) for record in records]
        # Read into memory, not memory-mapped: a file of the live build that is truncated or rewritten
        # later would otherwise kill the process (SIGBUS) or change its answers (docs/reliability.md).
        dense = faiss.deserialize_index(np.frombuffer(verified_bytes(build, "dense.faiss", manifest), dtype=np.uint8))
        vectors = np.load(io.BytesIO(verified_bytes(build, "vectors.npy", manifest)))
        sentence_vectors = np.load(io.BytesIO(verified_bytes(build, "sentences.npy", manifest)))
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


def _set_search_params(dense: faiss.Index, settings: Settings) -> None:
    if settings.search_threads:
        faiss.omp_set_num_threads(settings.search_threads)  # process-wide, as OpenMP is
    if isinstance(dense, faiss.IndexHNSW):
        dense.hnsw.efSearch = settings.hnsw_ef_search


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
