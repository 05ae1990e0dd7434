"""The ONNX encoders: the float one gives torch's vectors, the int8 one each question a vector of its own."""

import numpy as np
import pytest

from qa.embedding import load_encoder
from qa.index import Index, embedding_text
from qa.settings import Settings

pytestmark = pytest.mark.slow


def test_onnx_and_torch_vectors_agree_for_every_passage_of_the_article(settings: Settings, index: Index) -> None:
    texts = [embedding_text(p, index.corpus.get(p.document_id)) for p in index.passages]
    onnx = load_encoder(settings.model_copy(update={"encoder_backend": "onnx"}), quantized=False).encode(texts)
    torch = load_encoder(settings.model_copy(update={"encoder_backend": "torch"})).encode(texts)
    assert onnx.shape == torch.shape == (len(index.passages), 384)
    cosines = np.sum(onnx * torch, axis=1)  # both are L2-normalized
    assert cosines.min() >= 0.999, {index.passages[i].id: float(cosines[i]) for i in np.argsort(cosines)[:3]}


def test_the_int8_question_encoder_gives_a_question_the_same_vector_whatever_is_encoded_beside_it(
    settings: Settings,
) -> None:
    """Dynamic int8 quantizes activations per ONNX Runtime call, so each question runs alone."""
    questions = [
        "Can I take immunotherapy as a pill?",
        "What are the long-term side effects of checkpoint inhibitors after a stem cell transplant?",
        "car t",
        "How is immunotherapy different from chemotherapy, and which one works faster?",
    ]
    encoder = load_encoder(settings, quantized=True)
    alone = np.stack([encoder.encode([question])[0] for question in questions])
    assert np.array_equal(encoder.encode(questions), alone)
    assert np.array_equal(encoder.encode(questions[::-1])[::-1], alone)
