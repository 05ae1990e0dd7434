"""What the publisher says beside the passages: the helpline, the disclaimer, the outcome messages, urgent-care
advice, the reply to small talk, the missing-list note.

Each text comes from the corpus metadata (a document's sidecar: `contact`, `disclaimer`, `status_messages`,
`urgent_care`, `smalltalk_reply`, `missing_list_note`) and otherwise from the settings' defaults; never from the
article's passages and never generated. `{phone}` in a text is replaced by the helpline's number.
"""

from dataclasses import dataclass
from typing import Any

from qa.documents import Corpus
from qa.settings import Helpline, Settings
from qa.warning_signs import Urgency


@dataclass(frozen=True)
class UrgentCare:
    """What to do now, shown before anything else when a question describes a possibly urgent situation."""

    level: Urgency
    message: str
    emergency_phone: str
    emergency_tel: str


@dataclass(frozen=True)
class PublisherTexts:
    """The publisher's own texts, by language (ISO 639-1) where they have several."""

    helpline: dict[str, str]  # name, phone, tel, hours
    disclaimer: str
    messages: dict[str, str]  # by outcome
    urgent: dict[str, dict[str, str]]
    smalltalk: dict[str, str]
    missing_list: str
    emergency_phone: str
    no_documents: dict[str, str]
    translated_disclaimer: dict[str, str]

    def urgent_care(self, level: Urgency, language: str, default_language: str) -> UrgentCare:
        texts = self.urgent.get(language) or self.urgent[default_language]
        tel = "tel:" + "".join(ch for ch in self.emergency_phone if ch.isdigit())
        return UrgentCare(level, texts[level], self.emergency_phone, tel)

    def smalltalk_reply(self, language: str, default_language: str) -> str:
        return self.smalltalk.get(language) or self.smalltalk[default_language]

    def no_documents_reply(self, language: str, default_language: str) -> tuple[str, str]:
        """The message and disclaimer, in `language` where we have them, when no document is in that language."""
        message = self.no_documents.get(language) or self.no_documents[default_language]
        return message, self.translated_disclaimer.get(language, self.disclaimer)


def publisher_texts(corpus: Corpus, settings: Settings) -> PublisherTexts:
    """The texts of the corpus's metadata where a document gives them, else the settings' defaults."""
    helpline = _helpline(corpus, settings.helpline)
    phone = helpline["phone"]
    disclaimer, messages = settings.disclaimer, dict(settings.status_messages)
    urgent = {language: dict(texts) for language, texts in settings.urgent_care.items()}
    smalltalk = dict(settings.smalltalk_reply)
    missing_list = settings.missing_list_note
    for doc in corpus:
        language = str(doc.metadata.get("language") or settings.document_language)
        if isinstance(text := doc.metadata.get("disclaimer"), str):
            disclaimer = text
        if isinstance(given := doc.metadata.get("status_messages"), dict):
            messages.update(_texts(given))
        if isinstance(care := doc.metadata.get("urgent_care"), dict):
            urgent[language] = {**urgent.get(language, {}), **_texts(care)}
        if isinstance(reply := doc.metadata.get("smalltalk_reply"), str):
            smalltalk[language] = reply
        if isinstance(note := doc.metadata.get("missing_list_note"), str):
            missing_list = note
    return PublisherTexts(
        helpline=helpline,
        disclaimer=disclaimer,
        messages=_filled(messages, phone),
        urgent={language: _filled(texts, phone) for language, texts in urgent.items()},
        smalltalk=_filled(smalltalk, phone),
        missing_list=missing_list.replace("{phone}", phone),
        emergency_phone=settings.emergency_phone,
        no_documents=_filled(settings.no_documents_message, phone),
        translated_disclaimer=dict(settings.translated_disclaimer),
    )


def _helpline(corpus: Corpus, default: Helpline) -> dict[str, str]:
    """The last sidecar `contact` over the default helpline; a new phone without a tel link gets its own."""
    fields = default.model_dump()
    for doc in corpus:
        if isinstance(contact := doc.metadata.get("contact"), dict):
            fields |= {"tel": ""} if "phone" in contact else {}
            fields |= _texts(contact)
    return Helpline.model_validate(fields).card()


def _texts(values: dict[str, Any]) -> dict[str, str]:
    return {key: value for key, value in values.items() if isinstance(value, str)}


def _filled(texts: dict[str, str], phone: str) -> dict[str, str]:
    return {key: text.replace("{phone}", phone) for key, text in texts.items()}
