"""The documents of a build this process does not hold, read from disk: another worker may serve it already."""

from functools import lru_cache
from pathlib import Path

from qa.documents import Corpus, load_corpus
from qa.errors import QAError
from qa.index import BUILD_NAME, read_manifest


def corpus_on_disk(index_dir: Path, corpus_path: Path, build_id: str) -> Corpus | None:
    """The corpus as build `build_id` indexed it, when that build is on disk and the corpus is still the same."""
    if not BUILD_NAME.fullmatch(build_id.encode()) or not (index_dir / "builds" / build_id).is_dir():
        return None
    return _matching_corpus(index_dir, corpus_path, build_id)


@lru_cache(maxsize=1)  # the build just after the one served, asked for by every answer of another worker
def _matching_corpus(index_dir: Path, corpus_path: Path, build_id: str) -> Corpus | None:
    try:
        fingerprint = read_manifest(index_dir / "builds" / build_id).corpus_fingerprint
        corpus = load_corpus(corpus_path)
    except QAError:
        return None
    return corpus if corpus.fingerprint() == fingerprint else None
