"""The readiness self-test: a build serves only if its own sentences come back answered, their passage first.

Catches what checksums cannot: vectors that are zero or from another model, a document language
that no question is detected in, a refusal model that answers nothing or everything.
"""

from collections import Counter

from qa.chunking import Passage
from qa.engine import Engine
from qa.errors import SelfTestFailed

# Questions no cancer information answers; a refusal model that answers one of them is broken.
OFF_TOPIC = ("How do I change a flat tyre on a bicycle?", "What is the capital of France?")
# An own sentence scores about 0.43-0.99 against its passage's vector and 0.87-0.99 against its own
# (measured on the article, all 33 content passages); a zeroed or foreign vector scores about 0.
MIN_DENSE = 0.2
MIN_SENTENCE = 0.5
_MIN_CHARS = 40


def probes(engine: Engine, count: int) -> list[tuple[Passage, str]]:
    """Up to `count` content passages spread over the build, each with its longest sentence found nowhere else."""
    index = engine.index
    texts = {p.id: [index.corpus.get(p.document_id).text[a:b] for a, b in p.sentences] for p in index.passages}
    seen = Counter(sentence for sentences in texts.values() for sentence in sentences)
    candidates = [
        (passage, sentence)
        for passage in index.passages
        if passage.kind == "content"
        for sentence in [max(texts[passage.id], key=len)]
        if len(sentence) >= _MIN_CHARS and seen[sentence] == 1
    ]
    if len(candidates) <= count:
        return candidates
    return [candidates[round(i * (len(candidates) - 1) / max(count - 1, 1))] for i in range(count)]


def self_test(engine: Engine) -> None:
    """SelfTestFailed, saying what went wrong, unless the engine answers its build right.

    settings.self_test_passages sentences are asked, and the OFF_TOPIC questions.
    """
    sample = probes(engine, engine.settings.self_test_passages)
    if not sample:
        return
    questions = [sentence for _, sentence in sample]
    top_k = engine.settings.top_k_default
    evidence = engine.evidence(questions, top_k)
    for (passage, sentence), found in zip(sample, evidence, strict=True):
        first = found.hits[0] if found.hits else None
        if first is None or first.passage.id != passage.id:
            raise SelfTestFailed(_failed(f"its own sentence did not find passage {passage.id} first", sentence))
        if first.dense < MIN_DENSE or first.sentence < MIN_SENTENCE:
            problem = f"passage {passage.id} scored {first.dense:.2f} (vector), {first.sentence:.2f} (sentence)"
            raise SelfTestFailed(_failed(f"{problem}: are vectors.npy and sentences.npy zeroed?", sentence))
    answers = engine.answer_many([(engine.prepare(question), top_k) for question in [*questions, *OFF_TOPIC]])
    answered = [answer.status == "answered" for answer in answers]
    if sum(answered[: len(questions)]) * 2 <= len(questions):
        languages = sorted({answer.language for answer in answers[: len(questions)]})
        raise SelfTestFailed(
            f"The build's own sentences are not answered ({sum(answered[: len(questions)])} of {len(questions)};"
            f" detected as {', '.join(languages)}): check QA_DOCUMENT_LANGUAGE, the documents' language and"
            " QA_REFUSAL_MODEL."
        )
    if any(answered[len(questions) :]):
        raise SelfTestFailed("An off-topic question was answered: check QA_REFUSAL_MODEL.")


def _failed(problem: str, sentence: str) -> str:
    return f"Self-test failed: {problem} (sentence {sentence[:60]!r}). Run `qa index build`."
