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
from typing import Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.refusal import Logistic
from qa.spelling import known_word, vocabulary

MODEL_FILE = Path(__file__).with_name("urgency.json")

Urgency = Literal["emergency", "care_team", "crisis"]

_SIGNS: tuple[tuple[Urgency, str], ...] = (
    (
        "crisis",
        r"suicid\w*|kill(?:ing)? (?:my|him|her)sel(?:f|ves)|end (?:it all|my life|his life|her life)"
        r"|(?:harm|hurt)(?:ing)? (?:my|him|her)sel(?:f|ves)|self.harm|(?:don'?t|do not) want to (?:live"
        r"|be alive|wake up)"
        r"|better off (?:dead|without me)|want(?:s)? to die|wish (?:i|he|she) (?:was|were) dead|no reason to live"
        r"|(?:no|(?:don'?t|doesn'?t|do not|does not) see (?:the|any)|what'?s the) point (?:in |of )?(?:living|going on"
        r"|anymore)|can'?t go on|end things|tak\w* all (?:of )?(?:my|his|her|their) (?:pills|meds|medications?)"
        r"|take (?:my|his|her) (?:own )?life|how (?:i'?d|i would|to) do it|overdose on purpose"
        r"|ways to (?:end it|die|kill)"
        r"|better off if (?:i|he|she) (?:just )?(?:wasn'?t|weren'?t|was not|were not) (?:here|around|alive)"
        r"|(?:don'?t|dont|do not|doesn'?t|does not) (?:really |even )?(?:want|wanna) (?:to )?(?:live|be alive|exist"
        r"|be here any ?more)|wanna die|if (?:i|he|she) (?:just )?(?:didn'?t|did not|never) (?:wake|woke) up"
        r"|stopped being here|(?:don'?t|do not) feel safe (?:with|around) (?:my|him|her)self"
        r"|(?:writ\w*|wrote|left|leave) (?:\w+ ){0,2}goodbye (?:letters?|notes?)\b"
        r"(?! to (?:the|my) (?:nurses?|team|staff))"
        r"|(?:enough|how many) (?:\w+ )?(?:pills|tablets) to (?:die|kill|end)"
        r"|saving up (?:my |his |her )?(?:\w+ )?(?:pills|tablets|meds)"
        r"|(?:search\w*|googl\w*) (?:about |for )?(?:how to )?overdos(?:e|es|ing)\b(?! risk)|\bSI (?:with|w/) plan"
        r"|quitarme la vida|matarme|suicidarme|hacerme daño|no quiero vivir|acabar con todo"
        r"|(?:quiero|quisiera) morir\w*|(?:estar[ií]an|est[aá]n) mejor sin m[ií]"
        r"|no (?:vale|tiene) (?:la pena|sentido) vivir|no quiero (?:seguir viviendo|despertar\w*|estar aqu[ií] ya)"
        r"|(?:ser[ií]a|estar[ií]an?) mejor si (?:yo )?no (?:estuviera|existiera)",
    ),
    (
        "emergency",
        r"(?:trouble|difficulty|hard|struggl\w*|problems?) (?:to )?breath\w*|can'?t (?:breath\w*|catch (?:my"
        r"|his|her|their) breath)"
        r"|cannot breathe|short(?:ness)? of breath|out of breath|gasping|wheez\w*|breathless\w*"
        r"|barely (?:breathe|get (?:any )?air|catch)|can'?t (?:get|catch) (?:my |a |enough )?(?:breath|air)|get air in"
        r"|breath\w* (?:is |are |feels )?(?:hard|difficult|labou?red|fast|shallow|noisy)|low oxygen"
        r"|oxygen (?:is )?(?:low|dropping)|winded"
        r"|(?:stop|stops|stopping) (?:\w+ ){0,4}to (?:catch|get) (?:my |his |her )?(?:breath|air)"
        r"|breathing through a straw|(?:lips|face) (?:look |looks )?(?:dusky|gr[ae]y)"
        r"|(?:lips|face) (?:are |is |turning |turned )?blue|(?:throat"
        r"|airway) (?:feels )?(?:like it'?s )?(?:closing|tight)"
        r"|tight (?:chest|throat)|chest (?:is |feels )?(?:tight|heavy|hurting|crushing)"
        r"|chest (?:pain|pains|hurts?|tightness|pressure)|(?:pain|pressure|tightness|squeez\w*) (?:\w+ ){0,4}(?:in|on"
        r"|across) (?:the \w+ of )?(?:my|his"
        r"|her|the) chest|(?:on|around) (?:my|his|her) chest|(?:heart"
        r"|chest) is (?:racing|pounding)"
        r"|swell\w* (?:of |in |up )?(?:my |his |her |the )?(?:face|throat|tongue|lips?|mouth|eyes)"
        r"|(?:face|throat|tongue|lips?|mouth|eyelids)(?: and \w+)? (?:is |are |has |have |feels? |looks? )?(?:swell\w*"
        r"|swollen|puff\w*|closing|huge)|\w+ swelling"
        r"|(?:face|throat|tongue|lips?|mouth|eyelids) (?:started|starting|began|beginning) to swell"
        r"|seizures?|convuls\w*|fits?\b|faint\w*|pass(?:ed|es|ing)? out|black(?:ed)? out|collaps\w*"
        r"|unconscious|unresponsive|won'?t wake up|confus\w*|disoriented|(?:isn'?t|not) making (?:any )?sense"
        r"|talking nonsense|(?:doesn'?t|didn'?t|can'?t|does not|did not) recogni[sz]e|(?:very|so|too) (?:sleepy|drowsy)"
        r"|(?:hard|difficult) to (?:wake|rouse)|(?:barely|can'?t|cannot|unable to) (?:\w+ ){0,2}(?:wake|rouse)"
        r" (?:him|her|them|my \w+)|somnolen\w*|hypersomnol\w*|obtunded"
        r"|next thing (?:i|he|she) knew|altered mental|acting (?:strange|weird|odd)|not (?:him|her)self|slurr\w*"
        r"|hallucinat\w*|out of it"
        r"|keel\w* over|dizzy and (?:fell|collapsed)|seeing double"
        r"|(?:sudden\w*|suddenly) .{0,30}(?:vision|see|sight|blind)|(?:lost|losing|blurr\w*|double) (?:my "
        r"|his |her )?vision"
        r"|vision (?:is |has |went |gone )?(?:blurr\w*|double|dark|gone|going)|can'?t see"
        r"|(?:worst|severe|terrible|excruciating|splitting|pounding) headache|headache so bad|worst (?:pain|headache)"
        r"|head (?:is )?(?:killing|exploding|splitting|pounding)|cough\w* (?:up )?(?:blood|red)"
        r"|cough\w* up (?:\w+ ){1,3}(?:blood|clots)"
        r"|(?:vomit\w*|throw\w* up|spit\w*) (?:up )?blood|blood when (?:i|he|she) cough\w*|hematemesis"
        r"|no (?:puedo|puede|podemos) respirar|(?:me|le) cuesta (?:mucho )?respirar|(?:dificultad"
        r"|problemas?) para respirar|(?:falta|me falta|le falta) (?:de |el )?aire|no (?:me |le )?entra (?:el )?aire"
        r"|ahog\w*|ox[ií]geno (?:bajo|baja)"
        r"|dolor (?:de|en el) pecho|(?:me|le) duele el pecho|(?:presi[oó]n|opresi[oó]n|apret\w*) (?:\w+ )*?en el pecho"
        r"|apret\w* el pecho|pecho apretado"
        r"|hinch\w* (?:de |en )?(?:la |el |los |las |mis |sus )?(?:cara|garganta|lengua|labios|boca)"
        r"|(?:cara|garganta|lengua|labios|boca) (?:\w+ )?hinchad\w*|garganta cerrada|se (?:me |le )?cierra la garganta"
        r"|convulsi\w*|desmay\w*|desvanec\w*|perd\w* el conocimiento|confundid\w*|confusi[oó]n|desorientad\w*"
        r"|cosas sin sentido|no (?:me |la |lo |nos )?reconoce|no (?:es|está) (?:el|la) mism[oa]|muy dormid\w*"
        r"|somnolient\w*|no (?:hay (?:caso|forma|manera) de|logr\w*|pued\w*|podemos) despertarl[oa]"
        r"|no (?:se )?despierta|(?:no puedo|no puede) ver|veo (?:borroso|doble)|vista (?:borrosa|doble)"
        r"|visi[oó]n (?:borrosa|doble)|se (?:me |le )?nubl\w* la vista|perd\w* la vista"
        r"|(?:peor|fuerte|intenso|terrible|horrible) dolor de cabeza"
        r"|dolor de cabeza (?:muy )?(?:fuerte|intenso|terrible|horrible|insoportable)"
        r"|duele la cabeza (?:muy )?(?:horrible|fuerte|much[ií]simo)"
        r"|tos con sangre|tos\w* sangre|escupi\w* sangre|vomit\w* sangre|vomit\w* sin parar"
        r"|no (?:para|paro|puede parar) de vomitar"
        r"|hemoptysis|syncope|syncopal|angioedema|anaphyla\w*|diplopia|visual loss|stridor|dyspnea|hypoxi\w*|delirium"
        r"|encephalopathy|status epilepticus|can'?t swallow|struggling to swallow|trouble swallowing"
        r"|altered mental status",
    ),
    (
        "care_team",
        r"fevers?|feverish|temperature of|temp of|10[0-4](?:\.\d)? ?(?:degrees|°|f\b)"
        r"|3[89](?:[.,]\d)? ?(?:degrees|°|c\b)"
        r"|chills|shaking|shivering|rigors|can'?t get warm|teeth (?:are |won'?t stop )?(?:chattering|rattling)"
        r"|3[89][.,]\d|4[01][.,]\d|diarrh\w+|diarrea"
        r"|blood in (?:my |his |her |the )?(?:stool|poop|poo|urine|pee|toilet)"
        r"|bloody (?:stool|poop|diarrh\w+|urine)|black (?:stool|poop)|yellow\w* (?:skin|eyes)|(?:skin"
        r"|eyes)(?: and (?:skin|eyes))? (?:are |is )?(?:look\w* |turn\w* )?yellow"
        r"|jaundice|icterus|febrile|neutropeni\w*|grade [34]|severe (?:pain|rash|vomiting|belly|stomach|cramps)"
        r"|can'?t stop (?:vomiting|throwing up)|(?:watery |loose )?stools? every hour|\d+ (?:times|(?:\w+ )?stools)"
        r"|(?:running|rushing|going) to the bathroom"
        r"|fiebre|calentura|escalofr[ií]os|temblores|tiritando"
        r"|sangre (?:\w+ )?en (?:las |la |el |mis |sus )?(?:heces|orina|pop[oó]|excremento|deposiciones)"
        r"|(?:heces|pop[oó]|excremento|deposiciones) (?:\w+ ){0,2}(?:negr\w*|con sangre)|orin\w* (?:con )?sangre"
        r"|(?:piel|ojos) (?:\w+ )?amarill\w*|ictericia|yellowish|dark (?:pee|urine)|(?:pee|urine) is (?:very )?dark"
        r"|tarry|melena|like tar\b|tar-like"
        r"|hematochezia|burning up|hot to the touch|10[0-4]\.\d",
    ),
)
_SIGN_PATTERNS = tuple((level, re.compile(rf"\b(?:{pattern})", re.IGNORECASE)) for level, pattern in _SIGNS)
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
    found = {level for level, pattern in _SIGN_PATTERNS if pattern.search(question)}
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
