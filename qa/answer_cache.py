"""Recent answers, by build, question and top_k: a question asked again is answered from memory."""

import threading

from cachetools import LRUCache

from qa.answer import Answer

Key = tuple[str, str, int]  # build id, case-folded question, top_k


class AnswerCache:
    """A thread-safe LRU cache of `size` answers; size 0 keeps none."""

    def __init__(self, size: int) -> None:
        self._answers: LRUCache[Key, Answer] | None = LRUCache(size) if size else None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers) if self._answers is not None else 0

    def get(self, key: Key) -> Answer | None:
        if self._answers is None:
            return None
        with self._lock:
            return self._answers.get(key)

    def put(self, key: Key, answer: Answer) -> None:
        if self._answers is not None:
            with self._lock:
                self._answers[key] = answer
