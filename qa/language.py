"""The language of a question (py3langid, offline) and of a document (its metadata)."""

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from qa.documents import Corpus, Document
from qa.errors import SettingError
from qa.settings import Settings


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    unknown = sorted(set(languages) - set(identifier.nb_classes))
    if unknown:
        raise SettingError(
            f"invalid QA_QUESTION_LANGUAGES: the language detector does not know {', '.join(unknown)}"
            f" (it knows {', '.join(sorted(set(identifier.nb_classes)))})"
        )
    identifier.set_languages(list(languages))
    return identifier


def load_detector(settings: Settings) -> None:
    """Load the language detector now: it takes 0.6 s (measured), which the first question would wait.

    SettingError when QA_QUESTION_LANGUAGES names a language the detector does not know.
    """
    _identifier(tuple(settings.question_languages))


def question_language(question: str, settings: Settings) -> str:
    """An ISO 639-1 code: the documents' default language unless the detector is confident of another.

    A few foreign words in an English question ("immunotherapy y chemo") stay English: the
    detector chooses only among `question_languages` and must reach `language_min_confidence`.
    """
    language, probability = _identifier(tuple(settings.question_languages)).classify(question)
    return str(language) if probability >= settings.language_min_confidence else settings.document_language


def document_language(doc: Document, settings: Settings) -> str:
    """The `language` of a document's metadata, or the default for documents that name none."""
    language = doc.metadata.get("language")
    return language if isinstance(language, str) and language else settings.document_language


def corpus_languages(corpus: Corpus, settings: Settings) -> dict[str, str]:
    """Each document's language, by document id."""
    return {doc.id: document_language(doc, settings) for doc in corpus}
