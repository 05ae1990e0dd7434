"""The question encoder and its int8/float policy: int8 close calls are encoded again with the float model."""

from collections.abc import Callable
from dataclasses import dataclass, field

from qa.decision import Verdict
from qa.encoder import Encoder, RememberingEncoder
from qa.evidence import Evidence


@dataclass(frozen=True)
class Finding:
    """A question's evidence, the decision on it, and (for a follow-up) the earlier questions it leans on."""

    evidence: Evidence
    verdict: Verdict
    context: list[int] = field(default_factory=list)


# Searches the questions at these positions with this encoder.
Searcher = Callable[[Encoder, list[int]], list[Finding]]


class QuestionEncoder:
    """Encodes questions with `encoder`; with a `checker` (the float model beside int8), searches close calls again.

    `on_recheck` hears how many questions each time (the API counts them in /metrics).
    """

    def __init__(
        self, encoder: Encoder, checker: Encoder | None = None, on_recheck: Callable[[int], None] | None = None
    ) -> None:
        self.encoder = encoder
        self.checker = checker
        self._on_recheck = on_recheck

    @property
    def name(self) -> str:
        return self.encoder.name

    def remembering(self) -> "QuestionEncoder":
        """This encoder for one request's several searches: each distinct text encoded once (qa.encoder)."""
        checker = RememberingEncoder(self.checker) if self.checker is not None else None
        return QuestionEncoder(RememberingEncoder(self.encoder), checker, self._on_recheck)

    def find(self, search: Searcher, count: int) -> list[Finding]:
        """The findings of `count` questions, the close calls among them searched again with the checker."""
        found = search(self.encoder, list(range(count)))
        if self.checker is None:
            return found
        close = [i for i, finding in enumerate(found) if finding.verdict.close]
        if close:
            if self._on_recheck is not None:
                self._on_recheck(len(close))
            for i, again in zip(close, search(self.checker, close), strict=True):
                found[i] = again
        return found
