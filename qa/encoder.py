"""What every sentence encoder is: texts in, one L2-normalized float32 vector per text out."""

from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into L2-normalized float32 vectors (one row per text)."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> Vectors: ...


class RememberingEncoder:
    """An encoder that encodes each distinct text once, for the searches of one request (a follow-up is
    searched alone, then with its history): made per request and dropped with it, never shared."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self.name, self.dimension = encoder.name, encoder.dimension
        self._known: dict[str, Vectors] = {}

    def encode(self, texts: list[str]) -> Vectors:
        new = [text for text in dict.fromkeys(texts) if text not in self._known]
        if new:
            self._known.update(zip(new, self._encoder.encode(new), strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._known[text] for text in texts])
