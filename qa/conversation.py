"""Follow-up questions: which earlier questions of a conversation a question leans on, from evidence.

Historical query expansion (HQE; Lin et al. 2020, TREC CAsT 2019) without a generative
model: a follow-up is searched together with its conversation's earlier questions, each
with a weight, in BM25 (their terms, weighted) and in the dense part (the normalized
weighted sum of the question vectors). Whether to do so is decided turn by turn, from evidence:
a question that points back ("it", "they", "and if ...") leans on its context; any other
leans only when it is less specific than the questions before it (its own best passage is
markedly less close in meaning than theirs were), names no new topic, and the expanded
search finds another best passage than it finds alone. An elliptical follow-up ("what are
the symptoms?") matches many passages loosely; a question that opens a new topic ("What is
breast cancer?") is as specific as the one that opened the conversation, so it is not
pulled back.
"""

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from qa.errors import HistoryTooLong, QuestionError
from qa.evidence import Evidence
from qa.lexical import tokenize
from qa.questions import normalize_question
from qa.retrieval import Expansion, Retriever
from qa.settings import Settings

_REFERS_BACK = re.compile(
    r"^\W*(?:and|but|so|also|then|what about|how about)\b|\b(?:it|its|it's|they|them|their|that|this|these|those)\b"
    r"(?! (?:year|week|weekend|month|morning|afternoon|evening|night|summer|winter|time|site|page|service|chat)\b)",
    re.IGNORECASE,
)
Vectors = npt.NDArray[np.float32]
Weights = dict[int, float]


def normalize_history(history: Sequence[str], max_turns: int, max_chars: int) -> list[str]:
    """The earlier questions, oldest first, each normalized like a question; raises when there are too many."""
    if len(history) > max_turns:
        raise HistoryTooLong(f"The history holds {len(history)} earlier questions; the limit is {max_turns}.")
    normalized = []
    for number, text in enumerate(history):
        try:
            normalized.append(normalize_question(text, max_chars))
        except QuestionError as error:
            raise type(error)(f"Earlier question {number} of the history: {error}") from None
    return normalized


def refers_back(question: str) -> bool:
    """Does the question point back to something said before ("it", "they", "and if ...")?"""
    return bool(_REFERS_BACK.search(question))


def resolve(
    turns: Sequence[str], vectors: Vectors, retriever: Retriever, settings: Settings
) -> tuple[Weights, list[Evidence]]:
    """The earlier turns the last of `turns` leans on, with their weights (the question's own is 1),
    and each turn's own evidence (the settings.top_k_default passages an answer to it shows).

    Each turn is resolved in order: it may lean on the turn before (at settings.history_weight)
    and, through it, on what that turn leaned on (times history_decay per step back), so a chain
    of follow-ups keeps the topic of the question that opened it. A turn leans when it refers
    back ("it", "and if ...") or when it is less specific than the turns before and the search
    with its context still answers it on its own.
    """
    context: Weights = {}
    alone = retriever.search(vectors, list(turns), settings.top_k_default)
    for i in range(1, len(turns)):
        candidate = {i - 1: settings.history_weight, **{j: w * settings.history_decay for j, w in context.items()}}
        leans = _less_specific(alone[i], [alone[j] for j in candidate], settings.history_specificity) and (
            refers_back(turns[i]) or _leans_on(i, candidate, turns, vectors, alone[i], retriever, settings)
        )
        context = candidate if leans else {}
    return context, alone


def brings_forward(first: Evidence, context: Weights, alone: Sequence[Evidence], placed: bool) -> bool:
    """Whether the passage a follow-up's search puts `first` is the question's own first or one that an
    earlier question it leans on showed: history brings the conversation's passages forward; it does
    not pick a passage neither the question nor its history found ("What are biomarkers and when do
    they test for them?" after a question on injections keeps its own answer). Among several
    documents, a question `placed` alone (answered or related there) may also move to the
    conversation's document: "How to diagnose it?" after "What is hairy cell leukemia?" gets that
    page's section, not the one another page put first alone. One the corpus could not place alone
    ("can my dog catch it?") may not: the conversation's page would answer what it never says."""
    if not first.hits:
        return False
    chosen, own = first.hits[0].passage, alone[-1].hits
    shown = {hit.passage.id for j in context for hit in alone[j].hits}
    if (bool(own) and chosen.id == own[0].passage.id) or chosen.id in shown:
        return True
    if not (placed and own) or own[0].passage.document_id == chosen.document_id:
        return False
    return chosen.document_id in {alone[j].hits[0].passage.document_id for j in context if alone[j].hits}


def expand(vector: Vectors, context: Weights, turns: Sequence[str], vectors: Vectors) -> tuple[Vectors, Expansion]:
    """A question's vector and BM25 expansion with its context: the weighted earlier turns."""
    combined = vector + sum((w * vectors[j] for j, w in context.items()), np.zeros_like(vector))
    expansion = [(turns[j], w) for j, w in sorted(context.items())]
    return (combined / np.linalg.norm(combined)).astype(np.float32), expansion


def _less_specific(own: Evidence, earlier: Sequence[Evidence], specificity: float) -> bool:
    """Is the question's best passage less close in meaning than `specificity` times the earlier turns' best?"""
    return own.top_dense < specificity * max(evidence.top_dense for evidence in earlier)


def _leans_on(
    i: int,
    context: Weights,
    turns: Sequence[str],
    vectors: Vectors,
    alone: Evidence,
    retriever: Retriever,
    settings: Settings,
) -> bool:
    """Does turn `i`, searched with `context`, find another passage than alone, without naming a new topic?"""
    vector, expansion = expand(vectors[i], context, turns, vectors)
    expanded = retriever.search(vector[None, :], [turns[i]], 1, [expansion])[0].hits
    if not expanded:
        return False
    if not alone.hits:
        return True
    if expanded[0].passage.id == alone.hits[0].passage.id:
        return False  # it stands on its own: its answer is the same without the earlier questions
    # A question that names a topic the conversation has not mentioned opens a new one.
    mentioned = set().union(*tokenize([turns[j] for j in context]))
    return not retriever.index.lexical.rare_terms(turns[i], settings.history_topic_share) - mentioned
