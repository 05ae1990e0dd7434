"""The corpus's settings: where the documents are, how long a passage is, and their default language."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from qa.language_tags import language_code
from qa.settings.base import SETTINGS_CONFIG, builtin_corpus


class CorpusSettings(BaseSettings):
    """The documents: where they are, how they are cut into passages, and their language."""

    model_config = SETTINGS_CONFIG

    corpus: Path = Field(
        default_factory=builtin_corpus,
        description="A folder of .txt/.md documents (each with an optional <name>.meta.json sidecar) and/or .jsonl"
        ' collections (one {"id", "title", "url", "text", ...} per line; other fields, language among them,'
        " kept as metadata).",
    )
    max_passage_chars: int = Field(
        600, ge=100, le=4000, description="Longest passage: paragraphs longer than this split on sentence boundaries."
    )
    document_language: str = Field("en", description="Language (ISO 639-1) of documents whose metadata names none.")

    @field_validator("document_language")
    @classmethod
    def _language(cls, tag: str) -> str:
        return language_code(tag)
