"""The decision on a question's evidence, taken once: its status, and whether it is a close call."""

from dataclasses import dataclass

from qa.evidence import Evidence, Hit
from qa.refusal import RefusalModel, Status
from qa.subject import SubjectTerms


@dataclass(frozen=True)
class Verdict:
    """What the refusal model says of the evidence, and whether another encoder could plausibly change it."""

    status: Status
    close: bool


class Decision:
    """Answered, related or not found, from the refusal model and the subject's terms the corpus never uses."""

    def __init__(self, refusal: RefusalModel, recheck_margin: float, recheck_band: float) -> None:
        self.refusal = refusal
        self._margin = recheck_margin
        self._band = recheck_band

    def judge(self, evidence: Evidence) -> Verdict:
        """The status, and whether it or the first passage is a close call.

        int8 moved passage scores by up to about 0.025 on a CPU with VNNI (0.034 without) and flipped
        decisions only near their thresholds (docs/performance.md); settings.recheck_margin and
        recheck_band bound both, and the start-up check (qa.int8_check) catches what they miss.
        Judged on all passages, whatever their language.
        """
        assessment = self.refusal.assess(evidence)
        hits = evidence.hits
        if not hits:
            return Verdict(assessment.status, False)
        margin = hits[0].score - hits[1].score if len(hits) > 1 else evidence.margin
        tied = margin < self._margin and assessment.status != "not_found"
        return Verdict(assessment.status, tied or self.refusal.near_threshold(assessment, self._band))

    def status(
        self, verdict: Verdict, question: str, evidence: Evidence, hits: list[Hit], subject: SubjectTerms
    ) -> Status:
        """The status of an answer showing `hits` (the evidence's passages in the question's language)."""
        if not hits:
            return "not_found"
        if evidence.intent == "medical" and subject.unmentioned(question):
            return "related"  # it names a treatment, test or side effect the corpus never mentions
        return verdict.status
