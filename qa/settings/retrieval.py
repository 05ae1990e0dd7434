"""Retrieval's settings: the question's limits and language, the ranking's weights and the decision's models."""

from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from qa.language_tags import language_code
from qa.settings.base import SETTINGS_CONFIG


class RetrievalSettings(BaseSettings):
    """The question's path: its limits and language, how passages are ranked, and the decision."""

    model_config = SETTINGS_CONFIG

    excerpt_max_chars: int = Field(
        700,
        ge=0,
        le=8000,
        description="Longest first excerpt: the first passage is joined with the next passage of the source when that"
        " one is ranked second, and with the paragraph before when it opens by pointing back (\"If a cure isn't"
        ' possible"), as one verbatim slice of at most this many characters (docs/evaluation.md, "Ranking").'
        " 0: passages as chunked.",
    )
    top_k_default: int = Field(
        3,
        ge=1,
        description="Passages per answer when a request (API, qa ask, qa chat) does not say; at most top_k_max.",
    )
    top_k_max: int = Field(
        10, ge=1, le=50, description="The most passages a request may ask for (qa chat's :more stops there)."
    )
    question_max_chars: int = Field(
        1000, ge=10, description="Longest question (and earlier question in history) accepted, after normalization."
    )
    question_max_parts: int = Field(
        3,
        ge=0,
        description="Sub-questions searched at most besides the whole question; each costs an encoder pass"
        " and a search (docs/reliability.md, Bounded cost per request).",
    )
    question_max_encoded_chars: int = Field(
        512,
        ge=32,
        description="Characters of one question (itself plus its sub-questions) the encoder reads at most;"
        " a question with parts is cut to half of it and its parts fill the rest; keyword search still reads all"
        " of it (docs/reliability.md, Bounded cost per request).",
    )
    question_languages: list[str] = Field(
        default_factory=lambda: [
            "en",
            "es",
            "fr",
            "de",
            "it",
            "pt",
            "zh",
            "ar",
            "vi",
            "ko",
            "ru",
            "tl",
            "ja",
            "hi",
            "pl",
        ],
        description="The languages a question may be detected in (ISO 639-1); py3langid chooses among these only.",
    )
    language_min_confidence: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Below this detector probability a question counts as in document_language"
        " (docs/languages.md: 0 of 131 English train questions misdetected at 0.5-0.9).",
    )
    lexical_weight: float = Field(
        0.3, ge=0, description="Weight of normalized BM25 in the hybrid score (chosen with qa eval on the train split)."
    )
    sentence_weight: float = Field(
        2.0, ge=0, description="Weight of the best sentence (and sentence pair) similarity in the hybrid score."
    )
    candidates: int = Field(
        50,
        ge=1,
        description="Passages each of dense search and BM25 proposes per question before the fused score ranks them.",
    )
    cache_size: int = Field(
        2048,
        ge=0,
        description="Recent answers kept in memory; 0 turns the cache off. Requests with history never use it.",
    )
    subject_terms: Path | None = Field(
        None,
        description="File of treatments, drugs, tests and side effects (one a line): a question naming one the"
        " corpus never mentions gets `related`, not `answered` or `not_found`. Default: the packaged cancer list.",
    )
    refusal_model: Path | None = Field(
        None, description="Refusal weights written by `qa eval --fit-refusal PATH`; default: the packaged ones."
    )

    @field_validator("question_languages")
    @classmethod
    def _languages(cls, tags: list[str]) -> list[str]:
        if not tags:
            raise ValueError('name at least one language, such as ["en"]')
        return list(dict.fromkeys(language_code(tag) for tag in tags))

    @field_validator("refusal_model")
    @classmethod
    def _refusal_file(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file (write one with `qa eval --fit-refusal PATH`)")
        return path

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.top_k_default > self.top_k_max:
            raise ValueError(f"top_k_default ({self.top_k_default}) is above top_k_max ({self.top_k_max})")
        return self
