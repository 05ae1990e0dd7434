"""The readiness self-test passes on the real build and fails on what checksums cannot see."""

import time
from dataclasses import replace

import numpy as np
import pytest

from qa.documents import Corpus
from qa.engine import Engine, load_engine
from qa.errors import SelfTestFailed
from qa.index import Index
from qa.refusal import RefusalModel
from qa.selftest import probes, self_test
from qa.settings import Settings


def variant(service: Engine, index: Index, settings: Settings | None = None, **refusal: object) -> Engine:
    """A service sharing the session's encoders, over `index`, with other settings or refusal models."""
    model: RefusalModel = replace(service.stages.decision.refusal, **refusal)  # type: ignore[arg-type]
    return load_engine(
        settings or service.settings,
        index,
        encoder=service.encoder.encoder,
        refusal=model,
        checker=service.encoder.checker,
    )


def test_the_real_build_passes_and_the_sample_spreads_over_the_article(service: Engine, index: Index) -> None:
    sample = probes(service, 8)
    assert len(sample) == 8
    positions = [index.passages.index(passage) for passage, _ in sample]
    assert positions == sorted(positions) and positions[-1] - positions[0] > len(index.passages) / 2
    fresh = variant(service, index)  # its own answer cache, so the timing below is a first start's
    started = time.perf_counter()
    self_test(fresh)
    print(f"self-test: {(time.perf_counter() - started) * 1000:.0f} ms")


@pytest.mark.parametrize("name", ["vectors", "sentence_vectors"])
def test_zeroed_vectors_fail(service: Engine, index: Index, name: str) -> None:
    zeroed = replace(index, **{name: np.zeros_like(getattr(index, name))})
    with pytest.raises(SelfTestFailed, match="Self-test failed"):  # the passage not first, or scored about 0
        self_test(variant(service, zeroed))


def test_a_wrong_document_language_fails(service: Engine, index: Index, settings: Settings) -> None:
    """The article's sidecar says "en"; a build whose documents say "de" answers no English question."""
    german = Corpus({doc.id: replace(doc, metadata={**doc.metadata, "language": "de"}) for doc in index.corpus})
    with pytest.raises(SelfTestFailed, match=r"not answered .*detected as en"):
        self_test(variant(service, replace(index, corpus=german)))
    unset = Corpus({doc.id: replace(doc, metadata={}) for doc in index.corpus})
    with pytest.raises(SelfTestFailed, match=r"not answered .*detected as en"):  # QA_DOCUMENT_LANGUAGE=de then
        self_test(
            variant(service, replace(index, corpus=unset), settings.model_copy(update={"document_language": "de"}))
        )


def test_a_refusal_model_that_answers_nothing_fails(service: Engine, index: Index) -> None:
    with pytest.raises(SelfTestFailed, match="QA_REFUSAL_MODEL"):
        self_test(variant(service, index, answers=replace(service.stages.decision.refusal.answers, bias=-50.0)))


def test_a_refusal_model_that_answers_everything_fails(service: Engine, index: Index) -> None:
    always = {
        name: replace(getattr(service.stages.decision.refusal, name), bias=50.0) for name in ("answers", "on_topic")
    }
    with pytest.raises(SelfTestFailed, match="off-topic question was answered"):
        self_test(variant(service, index, **always))
