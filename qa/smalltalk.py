"""Messages that are not questions about cancer: greetings, thanks, goodbyes, "help", "who are you?", "one sec".

They get a short reply saying what the service does and how to reach a person, never a
medical passage. A message counts when every word of it is a word of small talk and one of
them carries it (a greeting, thanks, "help", "who"/"what" asked of the service, a fragment such as "wait",
"quick question" or "one more thing", which says a question is coming): "help",
"thank u", "what kind of questions can you answer?" do; "I need help paying for
immunotherapy" does not (it names a subject), nor "how does it work?" (a follow-up's "it").
Misspellings one slip away ("hlep", "wat") are read as the word. English and Spanish; the
reply follows the message's language.
"""

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.spelling import known_word

_VOCABULARY = {
    "en": (
        "hi hii hey hello helo hiya yo howdy greetings good morning afternoon evening night day thanks thank thx ty"
        " tysm cheers appreciate appreciated much so very lot a great cool nice ok okay k alright got yes no yep nope"
        " bye goodbye see you ya u later take care help helpful me please pls plz i need can could would who what"
        " whats what's are am is was this that that's site service chat page thing bot robot human real person ai"
        " chatgpt computer machine doctor nurse ask do does kind kinds of questions question answer answers know"
        " made built for how use work works talking speaking to with there again all now just test testing well"
        " anyway you're your everything an wait sec one more thing sorry typo nvm back im i'm still anyone someone"
        " online right quick min"
    ),
    "es": (
        "hola buenos buenas días dias tardes noches gracias muchas mil muchísimas adiós adios chao hasta luego"
        " ayuda ayúdame ayudame necesito me puede puedes ayudar quién quien eres qué que puedo preguntar hacer"
        " cómo como funciona esto por favor vale bien"
    ),
}
# One of these must be there: the words that make a message small talk rather than a fragment.
_CARRIERS = frozenset(
    "hi hii hey hello helo hiya yo howdy greetings morning afternoon evening thanks thank thx ty tysm cheers"
    " appreciate appreciated ok okay alright bye goodbye later help helpful who what whats what's how test testing"
    " you u this that's wait sec sorry nvm back still quick thing anyone someone"
    " hola buenos buenas gracias adiós adios chao ayuda ayúdame ayudame quién quien qué que cómo como".split()
)
_WORDS = {language: frozenset(words.split()) for language, words in _VOCABULARY.items()}
_CHOICES = sorted(set().union(*_WORDS.values()))
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_MAX_WORDS = 9


def smalltalk_language(message: str) -> str | None:
    """The language (ISO 639-1) of a message that is small talk, or None for a real question."""
    tokens = [_word(token.lower()) for token in _TOKEN.findall(message)]
    if not tokens or len(tokens) > _MAX_WORDS or len(_TOKEN.sub("", message).strip(" ?!.,¿¡:;-")) > 0:
        return None
    if not _CARRIERS.intersection(tokens):
        return None
    return next((language for language, words in _WORDS.items() if words.issuperset(tokens)), None)


def _word(word: str) -> str:
    """A small-talk word one slip away from `word` ("hlep", "wat"), else the word itself."""
    if word in _CHOICES or len(word) < 3 or known_word(word):
        return word
    best = process.extractOne(word, _CHOICES, scorer=OSA.distance, score_cutoff=1)
    return str(best[0]) if best else word
