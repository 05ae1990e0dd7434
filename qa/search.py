"""The search of a build for encoded questions: typo correction, sub-questions, follow-ups, one ranking each."""

from collections.abc import Sequence

import numpy as np

from qa.conversation import brings_forward, expand, resolve
from qa.encoder import Encoder
from qa.evidence import Evidence, merge_evidence
from qa.questions import encoder_inputs, question_parts
from qa.registry import Snapshot
from qa.settings import Settings


def depths_of(questions: Sequence[str], top_k: int | Sequence[int]) -> list[int]:
    """Each question's top_k, from one for all or a list of its own."""
    return [top_k] * len(questions) if isinstance(top_k, int) else list(top_k)


class Search:
    """Ranked passages for questions, within the settings' bounds on encoder work per question."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def evidence(
        self, snapshot: Snapshot, questions: list[str], top_k: int | Sequence[int], encoder: Encoder
    ) -> list[Evidence]:
        """Ranked passages for each question; each passage keeps its best score over the question's parts."""
        depths = depths_of(questions, top_k)
        parts = self.part_evidence(snapshot, questions, depths, encoder)
        return [merge_evidence(found, k) for found, k in zip(parts, depths, strict=True)]

    def part_evidence(
        self, snapshot: Snapshot, questions: list[str], top_k: int | Sequence[int], encoder: Encoder
    ) -> list[list[Evidence]]:
        """For each question, the evidence of the whole question and then of each of its parts.

        Typos are corrected to the corpus's words first; a question that asks several things
        is also searched part by part (all in one encoder call). The encoder's work per question
        is capped (settings.question_max_parts, question_max_encoded_chars); keyword search
        still sees the whole question. `top_k` is one for all questions or each question's own.
        """
        settings = self.settings
        parts = [question_parts(snapshot.index.speller.correct(q), settings.question_max_parts) for q in questions]
        encoded = [encoder_inputs(group, settings.question_max_encoded_chars) for group in parts]
        parts = [group[: len(inputs)] for group, inputs in zip(parts, encoded, strict=True)]
        flat = [part for group in parts for part in group]
        vectors = encoder.encode([text for inputs in encoded for text in inputs])
        depths = [k for group, k in zip(parts, depths_of(questions, top_k), strict=True) for _ in group]
        found: dict[int, Evidence] = {}  # by row of `flat`: one search per depth asked
        for k in dict.fromkeys(depths):
            rows = [row for row, depth in enumerate(depths) if depth == k]
            found.update(zip(rows, snapshot.retriever.search(vectors[rows], [flat[r] for r in rows], k), strict=True))
        ordered = iter(found[row] for row in range(len(flat)))
        return [[next(ordered) for _ in group] for group in parts]

    def followup(
        self, snapshot: Snapshot, question: str, history: Sequence[str], top_k: int, encoder: Encoder, placed: bool
    ) -> tuple[Evidence, list[int]]:
        """Evidence for a question searched with the earlier questions it leans on, and their indexes.

        `placed`: the question alone found passages to answer or relate to (see qa.conversation.brings_forward).
        """
        speller, settings = snapshot.index.speller, self.settings
        turns = [speller.correct(text) for text in [*history, question]]
        # The same bounds on encoder work as a question alone (settings.question_max_parts and so on).
        parts = question_parts(turns[-1], settings.question_max_parts)
        inputs = encoder_inputs(parts, settings.question_max_encoded_chars)
        parts = parts[: len(inputs)]
        vectors = encoder.encode([*turns[:-1], *inputs])
        context, alone = resolve(turns, vectors[: len(turns)], snapshot.retriever, settings)
        part_vectors = [vectors[len(turns) - 1], *vectors[len(turns) :]]
        queries = [expand(vector, context, turns, vectors) for vector in part_vectors]
        found = snapshot.retriever.search(
            np.stack([vector for vector, _ in queries]), parts, top_k, [expansion for _, expansion in queries]
        )
        evidence = merge_evidence(found, top_k)
        return evidence, (sorted(context) if brings_forward(evidence, context, alone, placed) else [])
