"""The ONNX encoder that serves questions gives the vectors sentence-transformers on torch gives."""

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
