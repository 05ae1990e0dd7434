"""What a question is about (medicine, the sources, who wrote it, when, the helpline) and which passages answer it."""

import re
from typing import Literal

from qa.chunking import PassageKind

# What a question is about: the medical content, the document's sources, who wrote it, when, or the helpline.
Intent = Literal["medical", "sources", "credit", "revised", "helpline"]

_SOURCE_INTENT = re.compile(
    r"\b(sources?|references?|citations?|cited?|bibliograph\w*|studies|journals?|based on"
    r"|(?:information|info|article|page|this|content|facts?|data)\b.*\b(?:comes?|came) from)\b",
    re.IGNORECASE,
)
_CREDIT_INTENT = re.compile(
    r"\b(authors?|wrote|written|writer|who (?:made|developed|reviewed|created|published)|reviewed by|checked)\b",
    re.IGNORECASE,
)
_REVISED_INTENT = re.compile(
    r"\b((?:last )?(?:updated|revised)|how (?:old|recent|current)|how up.to.date)\b", re.IGNORECASE
)
_HELPLINE_INTENT = re.compile(
    r"\b(helpline|hotline|live chat|chat|phone number|number to call|call (?:you|someone|somebody|anyone|a person)"
    r"|call (?:at|on|during|any ?time|late|tonight|now|today)"
    r"|(?:someone|somebody|anyone|who) (?:i|we) (?:can|could) (?:call|talk to|speak to|speak with)"
    r"|(?:talk|speak) (?:to|with) (?:someone|somebody|anyone|a person|a specialist|a real person))\b",
    re.IGNORECASE,
)
INTENT_KINDS: dict[Intent, tuple[PassageKind, ...]] = {
    "medical": ("content",),
    "sources": ("reference", "credit"),
    "credit": ("credit",),
    "revised": ("revised",),
    "helpline": ("helpline",),
}
_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("helpline", _HELPLINE_INTENT),
    ("sources", _SOURCE_INTENT),
    ("credit", _CREDIT_INTENT),
    ("revised", _REVISED_INTENT),
)


def question_intent(question: str) -> Intent:
    """Does the question ask about the helpline, the document itself, or medicine?

    Only passages of the matching kind can answer it: the helpline block, the references,
    the lines on who developed the document or when it was revised, or the content.
    """
    for intent, pattern in _INTENTS:
        if pattern.search(question):
            return intent
    return "medical"
