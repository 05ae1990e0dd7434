"""A build's manifest: what it was made from, its files' checksums, and whether it still matches the present."""

import hashlib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from qa.checksums import file_sha256
from qa.chunking import CHUNKER_VERSION
from qa.documents import Corpus
from qa.embedding import model_id
from qa.errors import IndexCorrupt, IndexStale
from qa.settings import Settings

FORMAT_VERSION = 4  # 4: the manifest records its own digest


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


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write the build's manifest.json, with its own digest."""
    manifest.digest = manifest.own_digest()
    (folder / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")


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


def damaged_file(build: Path, manifest: Manifest) -> str | None:
    """The first of the build's files that is missing or no longer matches its recorded checksum, else None."""
    for name, digest in manifest.checksums.items():
        try:
            if file_sha256(build / name) != digest:
                return name
        except OSError:
            return name
    return None


def verified_bytes(build: Path, name: str, manifest: Manifest) -> bytes:
    """A file's bytes, once more checked against the manifest: what is loaded is what was verified."""
    data = (build / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.checksums.get(name):
        raise IndexCorrupt(f"Index file {build / name} changed while it was loaded. Run `qa index build`.")
    return data
