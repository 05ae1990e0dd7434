"""The on-disk index: build it, check it and load it (passages, FAISS vectors, BM25 and a manifest)."""

from qa.index.build import build_index, hnsw_index
from qa.index.folders import BUILD_NAME, current_build
from qa.index.load import Index, ensure_index, load_index
from qa.index.manifest import FORMAT_VERSION, Manifest, check_fresh, damaged_file, read_manifest, write_manifest
from qa.index.passages import embedding_text, sentence_texts

__all__ = [
    "BUILD_NAME",
    "FORMAT_VERSION",
    "Index",
    "Manifest",
    "build_index",
    "check_fresh",
    "current_build",
    "damaged_file",
    "embedding_text",
    "ensure_index",
    "hnsw_index",
    "load_index",
    "read_manifest",
    "sentence_texts",
    "write_manifest",
]
