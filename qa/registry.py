"""The build registry: the live build's snapshot, swaps, and the documents of earlier builds."""

from dataclasses import dataclass

from cachetools import FIFOCache

from qa.builds import corpus_on_disk
from qa.documents import Corpus
from qa.errors import BuildGone
from qa.excerpts import Excerpts
from qa.fusion import Method
from qa.index import Index
from qa.language import corpus_languages
from qa.publisher import PublisherTexts, publisher_texts
from qa.retrieval import Retriever
from qa.settings import Settings
from qa.subject import TERMS_FILE, SubjectTerms, load_terms


@dataclass(frozen=True)
class Snapshot:
    """An index, its retriever and its excerpts, replaced as one so a request never mixes two builds."""

    index: Index
    retriever: Retriever
    excerpts: Excerpts
    languages: dict[str, str]  # each document's language, by id
    texts: PublisherTexts
    subject: SubjectTerms


def snapshot_of(index: Index, settings: Settings, method: Method) -> Snapshot:
    """Everything a question reads of one build."""
    retriever = Retriever(index, method, settings.lexical_weight, settings.sentence_weight, settings.candidates)
    texts = publisher_texts(index.corpus, settings)
    subject = SubjectTerms(load_terms(settings.subject_terms or TERMS_FILE), (doc.text for doc in index.corpus))
    excerpts = Excerpts(index, settings.excerpt_max_chars)
    return Snapshot(index, retriever, excerpts, corpus_languages(index.corpus, settings), texts, subject)


class BuildRegistry:
    """The build that serves, swapped as a whole, and the documents of the builds it replaced."""

    def __init__(self, settings: Settings, index: Index, method: Method = "hybrid") -> None:
        self._settings = settings
        self.method: Method = method
        self.snapshot = snapshot_of(index, settings, method)
        kept = settings.documents_kept_builds
        # Earlier builds' documents, oldest dropped first (cachetools refuses a cache of size 0).
        self._earlier: FIFOCache[str, Corpus] | None = FIFOCache(kept) if kept else None

    @property
    def index(self) -> Index:
        return self.snapshot.index

    def swap(self, index: Index) -> None:
        """Serve `index` from now on; requests already running finish on the old one."""
        previous = self.snapshot.index
        self.snapshot = snapshot_of(index, self._settings, self.method)
        if self._earlier is not None:
            self._earlier[previous.manifest.build_id] = previous.corpus

    def corpus_of(self, build_id: str | None) -> Corpus:
        """The documents of the live build, of an earlier one while it is kept, or of a build on disk whose
        corpus is unchanged (one another worker serves already); else BuildGone."""
        index = self.index
        if build_id is None or build_id == index.manifest.build_id:
            return index.corpus
        kept = self._earlier.get(build_id) if self._earlier is not None else None
        kept = kept or corpus_on_disk(self._settings.index_dir, self._settings.corpus, build_id)
        if kept is None:
            raise BuildGone(
                f"The documents of build {build_id!r} are no longer kept; ask the question again for current passages."
            )
        return kept
