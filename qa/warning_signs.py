"""The warning signs the urgency rules look for, by how urgent each is, in English and Spanish.

Each level's signs are one regular expression: thoughts of self-harm (crisis), signs that need emergency
services (emergency) and signs that need the cancer care team right away (care_team). Whether someone has
the sign now is qa.urgency's concern.
"""

import re
from typing import Literal

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
SIGN_PATTERNS = tuple((level, re.compile(rf"\b(?:{pattern})", re.IGNORECASE)) for level, pattern in _SIGNS)
