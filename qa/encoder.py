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
