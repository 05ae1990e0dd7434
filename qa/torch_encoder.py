"""sentence-transformers on torch, as shipped: the reference encoder and the naive baseline."""

from pathlib import Path

import numpy as np

from qa.encoder import Vectors


class TorchEncoder:
    """sentence-transformers on torch, as shipped: the reference and the naive baseline."""

    def __init__(self, folder: Path, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self.name = f"torch:{folder.name}"
        self.dimension = int(self._model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str]) -> Vectors:
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
