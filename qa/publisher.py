"""What the publisher says beside the passages: urgent-care advice, the reply to small talk, the missing-list note.

Each text comes from the corpus metadata (a document's sidecar: `urgent_care`, `smalltalk_reply`,
`missing_list_note`) and otherwise from the settings' defaults; never from the article's passages and
never generated. `{phone}` in a text is replaced by the helpline's number.
"""

from dataclasses import dataclass
from typing import Any

from qa.documents import Corpus
from qa.settings import Settings
from qa.urgency import Urgency


@dataclass(frozen=True)
class UrgentCare:
    """What to do now, shown before anything else when a question describes a possibly urgent situation."""

    level: Urgency
    message: str
    emergency_phone: str
    emergency_tel: str


@dataclass(frozen=True)
class PublisherTexts:
    """The publisher's own texts, by language (ISO 639-1)."""

    urgent: dict[str, dict[str, str]]
    smalltalk: dict[str, str]
    missing_list: str
    emergency_phone: str

    def urgent_care(self, level: Urgency, language: str, default_language: str) -> UrgentCare:
        texts = self.urgent.get(language) or self.urgent[default_language]
        tel = "tel:" + "".join(ch for ch in self.emergency_phone if ch.isdigit())
        return UrgentCare(level, texts[level], self.emergency_phone, tel)

    def smalltalk_reply(self, language: str, default_language: str) -> str:
        return self.smalltalk.get(language) or self.smalltalk[default_language]


def publisher_texts(corpus: Corpus, settings: Settings, phone: str) -> PublisherTexts:
    """The texts of the corpus's metadata where a document gives them, else the settings' defaults."""
    urgent = {language: dict(texts) for language, texts in settings.urgent_care.items()}
    smalltalk = dict(settings.smalltalk_reply)
    missing_list = settings.missing_list_note
    for doc in corpus:
        language = str(doc.metadata.get("language") or settings.document_language)
        if isinstance(care := doc.metadata.get("urgent_care"), dict):
            urgent[language] = {**urgent.get(language, {}), **_texts(care)}
        if isinstance(reply := doc.metadata.get("smalltalk_reply"), str):
            smalltalk[language] = reply
        if isinstance(note := doc.metadata.get("missing_list_note"), str):
            missing_list = note
    return PublisherTexts(
        urgent={language: _filled(texts, phone) for language, texts in urgent.items()},
        smalltalk=_filled(smalltalk, phone),
        missing_list=missing_list.replace("{phone}", phone),
        emergency_phone=settings.emergency_phone,
    )


def _texts(values: dict[str, Any]) -> dict[str, str]:
    return {key: value for key, value in values.items() if isinstance(value, str)}


def _filled(texts: dict[str, str], phone: str) -> dict[str, str]:
    return {key: text.replace("{phone}", phone) for key, text in texts.items()}
