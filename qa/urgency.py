"""Whether a question describes a possibly urgent situation now, and how urgent: rules, then its embedding.

A question is urgent when it names a warning sign (fever, trouble breathing, chest pain, ...) and
says someone has it: the asker ("I have a fever", "I can't breathe") or a relative ("my husband
passed out"). Asking about a sign in general ("can immunotherapy cause a fever?") is not urgent.
Thoughts of self-harm are always urgent. Rules first: every decision they take can be read and
explained, and a missed emergency is worse than a false alarm, so the patterns lean wide (English
and Spanish). A logistic model on the question's embedding (UrgencyModel) finds what they miss.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.refusal import Logistic
from qa.spelling import known_word, vocabulary
from qa.warning_signs import SIGN_PATTERNS, Urgency

MODEL_FILE = Path(__file__).with_name("urgency.json")

# Someone has it now: the asker or a person close to them, with a verb of having, feeling or happening.
_SOMEONE = (
    r"i|i'?m|im|i'?ve|ive|we|we'?re|he|he'?s|she|she'?s|they|they'?re|my \w+(?: \w+)?|our \w+|his \w+|her \w+"
    r"|mom|mum|dad|mother|father|husband|wife|son|daughter|partner|friend"
)
_HAVING = (
    r"have|has|had|having|got|get(?:ting)?|am|is|are|was|were|feel\w*|keep\w*|kept|can'?t|cannot|couldn'?t"
    r"|started|starting|developed|been|just|suddenly|think|thinks|went|passed|fainted|coughed|vomited|threw"
    r"|running|spiking|woke|wakes|seems?|looks?|turned|'?s|'?m|'?re"
)
_NOW = re.compile(
    rf"\b(?:{_SOMEONE})\b\s+(?:\w+\s+){{0,2}}?(?:{_HAVING})\b"
    r"|\b(?:what should (?:i|we) do|should (?:i|we) (?:go|be worried)|right now|since (?:this|last|yesterday"
    r"|my|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend)|tonight"
    r"|today|this (?:morning|afternoon|evening)|(?:after|post|during) (?:my |his |her |our |the )?(?:\w+ )?"
    r"(?:infusion|treatment|dose|shot|session|immunotherapy)|after starting|acute|onset|day \d+"
    r"|on (?:nivolumab|pembrolizumab|ipilimumab|immunotherapy)"
    r"|(?:my|his|her) (?:stool|stools|poop|urine|chest|skin|eyes|face|throat|vision|head|lips|tongue|breathing)"
    r"|new|sudden\w*|won'?t (?:go away|stop)|getting worse|worse and worse|all night)\b"
    r"|\b(?:coughing|vomiting|turning|struggling|gasping|shaking|burning up)\b|\d"
    r"|\b(?:tengo|tiene|tenemos|tuve|estoy|est[aá]|me siento|se siente|no puedo|no puede|qu[eé] (?:hago|debo hacer)"
    r"|mi (?:esposo|esposa|madre|padre|hijo|hija|mam[aá]|pap[aá])|ahora|desde (?:ayer|anoche|anteayer|esta|su|mi)"
    r"|despu[eé]s de (?:la|mi|su) (?:infusi[oó]n|tratamiento|dosis)|me desmay[eé]|hoy|esta (?:mañana|tarde|noche)"
    r"|de (?:repente|pronto)|hace (?:un rato|un momento|media hora|una hora|minutos)|se (?:me|le) \w+"
    r"|(?:me|le) (?:duele|falta)"
    r"|siento|veo|toso|tos[ií]|estoy escupiendo|durante la infusi[oó]n|acabo de|casi me|sigo|sigue|mis|sus|mi \w+)\b"
    r"|^\W*(?:high |severe |bad |terrible |bloody )?(?:fever|chills|chest pain|seizure|can'?t breathe|fiebre|bloody)\b",
    re.IGNORECASE,
)
# Asking about a sign in general ("can immunotherapy cause a fever?"), in a hypothesis ("if I get a fever"),
# or in the past ("had fevers years ago", "completely gone now").
_GENERAL = re.compile(
    r"^\W*(?:can|could|does|do|will|would|is|are|may|might)\s+(?:immunotherapy|immuno|treatment|it|this"
    r"|these|the|a|an)\b"
    r"(?!.*\b(?:i|i'?m|i'?ve|my \w+|he|she) (?:have|has|am|is|got|feel)\b)"
    r"|^\W*(?:what|which|how|why|when)\b(?!.*\b(?:i|i'?m|i'?ve|we|he|she|my \w+) (?:have|has|am|is|got|feel|can'?t)\b)"
    r"|\bif (?:i|you|he|she|we|they|my \w+) (?:get|gets|have|has|develop\w*|start\w*)\b|\b(?:risk|risks|chance|odds)\b"
    r"|years? ago|in the past|used to|(?:completely |all )?gone now|went away|cleared up|has resolved|no longer"
    r"|how (?:likely|common)|(?:which|what) (?:symptoms|signs)|warning signs|watch (?:out )?for|look out for"
    r"|what does it mean if|such as|horror stories"
    r"|^\W*¿?(?:puede|pueden|causa|qu[eé]|c[oó]mo|cu[aá]les)\b(?!.*\b(?:tengo|tiene|estoy)\b)"
    r"|hace (?:años|\w+ (?:meses|años))|(?:el mes|la semana|el año) pasad[oa]|una vez"
    r"|ya (?:se (?:me|le) )?(?:pas[oó]|quit[oó])|ya estoy bien|se (?:me|le) quit[oó]|¿es (?:normal|cierto)"
    r"|\bsi (?:me|le|tengo|tiene) ",
    re.IGNORECASE,
)
# Misspelled warning signs ("feaver", "diarhea", "blod") are read as the sign they stand for.
_SIGN_WORDS = sorted(
    vocabulary(
        [
            "fever fevers chills pain chest diarrhea blood bloody stool stools vision blurry blurred breathe breathing"
            " breath swollen swelling throat yellow confused confusion seizure seizures fainted fainting headache"
            " coughing vomiting treatment infusion immunotherapy shaking worst eyes"
        ]
    )
)
_TYPO_MIN_LETTERS = 3
_TYPO_LONG_WORD = 6  # from this length, two slips (edits or swapped letters) are read as the sign
_WORD = re.compile(r"[A-Za-z]+")
# A few words naming a sign and not the treatment ("fainted", "throat swelling") report it; "immunotherapy
# fever" looks the subject up.
_TERSE_WORDS = 5
_SUBJECT = re.compile(
    r"\b(?:immuno\w*|inmuno\w*|tratamientos?|treatments?|therap\w*|side effects?|drugs?|medicines?)\b", re.IGNORECASE
)
_ORDER: tuple[Urgency, ...] = ("crisis", "emergency", "care_team")
# Fewer words say too little for the embedding to read a situation ("who wrote this?" scored 0.61): terse
# questions are the rules' (in CV, 6 of 6 model-only marks under four words were false alarms).
_READ_WORDS = 4


@dataclass(frozen=True)
class UrgencyModel:
    """The rules, with a second opinion from the question's embedding for situations they do not name.

    The rules alone found 38 of 63 urgent questions of eval/symptoms-holdout.jsonl; the embedding
    (a logistic model fitted by `python -m evaluation.urgency_fit`) finds situations told in other
    words ("an elephant on my chest"). It cannot say how urgent, so what only it finds is `care_team`:
    the advice to call the care team right away says to call the emergency number when they cannot
    be reached.
    """

    vector: Logistic

    def urgency(self, question: str, vector: npt.NDArray[np.float32] | None = None) -> Urgency | None:
        """How urgent the situation the question describes is; without a vector, by the rules alone."""
        level = urgency(question)
        if (
            level is None
            and vector is not None
            and len(question.split()) >= _READ_WORDS
            and self.vector.passes([], vector)
        ):
            return "care_team"
        return level

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "UrgencyModel":
        model = json.loads(path.read_text(encoding="utf-8"))["vector"]
        return cls(Logistic((), model["bias"], model["threshold"], tuple(model["vector_weights"])))

    def save(self, path: Path, **notes: object) -> None:
        data = {"vector": self.vector.__dict__, **notes}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def urgency(question: str) -> Urgency | None:
    """How urgent the situation the question describes is, by the rules, or None when they find none."""
    question = _WORD.sub(_sign_word, question)
    found = {level for level, pattern in SIGN_PATTERNS if pattern.search(question)}
    if not found:
        return None
    if "crisis" not in found and (_GENERAL.search(question) or not (_NOW.search(question) or _terse(question))):
        return None
    return next(level for level in _ORDER if level in found)


def _sign_word(match: re.Match[str]) -> str:
    """The warning sign a misspelled word stands for, else the word (English words stay as they are)."""
    word = match.group(0)
    if len(word) < _TYPO_MIN_LETTERS or word.lower() in _SIGN_WORDS or known_word(word):
        return word
    edits = 1 if len(word) < _TYPO_LONG_WORD else 2
    best = process.extractOne(word.lower(), _SIGN_WORDS, scorer=OSA.distance, score_cutoff=edits)
    return str(best[0]) if best else word


def _terse(question: str) -> bool:
    return len(question.split()) <= _TERSE_WORDS and not _SUBJECT.search(question)
