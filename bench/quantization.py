"""Float against int8 question encoding (QA_QUANTIZE), on one index, in the same run.

Usage (after `qa index build` for the corpus; passages are always encoded by the float model):

    python -m bench.quantization QUESTIONS [--corpus P --index-dir P] [--sample IDS] [--split S]

Prints, for the float encoder, the int8 encoder alone, and int8 with the float model encoding again
its close calls (QA_QUANTIZE=true; QA_RECHECK_MARGIN, QA_RECHECK_BAND): R@1, R@3 and MRR@10 of the
engine's hybrid retrieval, the share of each kind of question not answered (answerable, off-topic,
unanswerable, as the file labels them), the questions whose first passage or status differ from the
float encoder's, the share encoded again, the cosine between the two encoders' question vectors
(lowest and median), and the CPU time per question of encoding and searching (process time of all
threads, one question per call as at low load, and 8 per call as under load; the int8 encoder runs
each question alone either way). For comparison it also times the int8 model run on 8 questions at
once, which the engine does not do: its vectors then depend on the batch.
"""

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evaluation.metrics import LabelledQuestion, evidence_for, load_questions, score
from evaluation.report import select_questions
from qa.embedding import OnnxEncoder, load_encoder, model_dir
from qa.encoder import Encoder, Vectors
from qa.engine import Engine, load_engine
from qa.index import ensure_index
from qa.onnx_export import exported_model
from qa.settings import Settings

_RUN = 8


@dataclass(frozen=True)
class Row:
    """One encoder's figures on one question set."""

    name: str
    recall_1: float
    recall_3: float
    mrr: float
    not_answered: dict[str, float]  # per kind of question: the share given no answer (related or not_found)
    outcomes: list[tuple[str, str | None]]  # per question: the status and the first passage shown (if any)
    cpu_ms_single: float
    cpu_ms_run: float


class Counting:
    """An encoder that counts the texts it encodes (how many questions the recheck encodes again)."""

    def __init__(self, encoder: Encoder) -> None:
        self.name, self.dimension, self._encoder, self.texts = encoder.name, encoder.dimension, encoder, 0

    def encode(self, texts: list[str]) -> Vectors:
        self.texts += len(texts)
        return self._encoder.encode(texts)


def cpu_per_question(engine: Engine, texts: list[str], run: int) -> float:
    """Milliseconds of process CPU per question to encode and search, `run` questions per call (after a warm-up)."""
    engine.evidence(texts[:run], 10)
    began = time.process_time()
    for start in range(0, len(texts), run):
        engine.evidence(texts[start : start + run], 10)
    return (time.process_time() - began) * 1000 / len(texts)


def measure(name: str, engine: Engine, questions: list[LabelledQuestion]) -> Row:
    found = evidence_for(engine, questions)
    report = score(name, questions, found, engine)
    statuses = [engine.stages.decision.refusal.decide(e) for e in found]
    shown = [e.hits[0].passage.id if status != "not_found" else None for status, e in zip(statuses, found, strict=True)]
    outcomes: list[tuple[str, str | None]] = list(zip(statuses, shown, strict=True))
    texts = [q.question for q in questions]
    return Row(
        name,
        report.recall[1],
        report.recall[3],
        report.mrr,
        report.refusal,
        outcomes,
        cpu_per_question(engine, texts, 1),
        cpu_per_question(engine, texts, _RUN),
    )


def agreement(first: Encoder, second: Encoder, texts: list[str]) -> tuple[float, float]:
    """Lowest and median cosine between the two encoders' vectors of the same questions."""
    a: npt.NDArray[np.float32] = first.encode(texts)
    b: npt.NDArray[np.float32] = second.encode(texts)
    cosines = (a * b).sum(axis=1)
    return float(cosines.min()), float(statistics.median(cosines.tolist()))


def main() -> None:
    args = _arguments()
    update = {"cache_size": 0, "encoder_threads": 1}
    update |= {name: value for name, value in (("corpus", args.corpus), ("index_dir", args.index_dir)) if value}
    settings = Settings().model_copy(update=update)
    index = ensure_index(settings)
    questions = select_questions(load_questions(args.questions, index.corpus, args.split), args.sample)
    encoders = {name: load_encoder(settings, quantized=name == "int8") for name in ("float", "int8")}
    checker = Counting(encoders["float"])
    engines = {
        "float": load_engine(settings, index, encoder=encoders["float"]),
        "int8 alone": load_engine(settings, index, encoder=encoders["int8"]),
        "int8 + recheck": load_engine(settings, index, encoder=encoders["int8"], checker=checker),
    }
    rows = [measure(name, engine, questions) for name, engine in engines.items()]
    texts = [q.question for q in questions]
    lowest, median = agreement(encoders["float"], encoders["int8"], texts)
    answerable = sum(q.kind == "answerable" for q in questions)
    print(f"{args.questions} ({args.split}): {len(questions)} questions, {answerable} answerable;")
    print(f"{len(index.passages)} passages; 1 encoder thread; float/int8 cosine min {lowest:.4f}, median {median:.4f}")
    _print_rows(rows)
    checker.texts = 0
    rechecked = engines["int8 + recheck"]
    rechecked.evidence(texts, 10)
    print(f"int8 + recheck encoded {checker.texts} texts again with the float model ({len(texts)} questions)")
    folder = model_dir(settings)
    int8_file = exported_model(folder, settings.model_cache_dir) / "model-int8.onnx"
    batched = load_engine(settings, index, encoder=OnnxEncoder(int8_file, folder, 1, batch_size=_RUN))
    print(f"int8 run on {_RUN} questions at once (batch-dependent vectors, not used): ", end="")
    print(f"{cpu_per_question(batched, texts, _RUN):.2f} ms per question")
    _print_differences(rows)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--sample", type=Path, help="File of question ids to keep (MedQuAD's sample).")
    parser.add_argument("--split", default="all")
    return parser.parse_args()


def _print_rows(rows: list[Row]) -> None:
    """One line per encoder: its figures, and how many questions it shows otherwise than the float model."""
    kinds = sorted(rows[0].not_answered)
    print(
        f"encoder | R@1 | R@3 | MRR@10 | not answered: {', '.join(kinds)} | status or first passage shown not float's"
        " | encode + search CPU/question, 1 per call | 8 per call"
    )
    for row in rows:
        refused = ", ".join(f"{row.not_answered[kind]:.1%}" for kind in kinds)
        differ = sum(a != b for a, b in zip(row.outcomes, rows[0].outcomes, strict=True))
        print(
            f"{row.name} | {row.recall_1:.3f} | {row.recall_3:.3f} | {row.mrr:.3f} | {refused} | {differ}"
            f" | {row.cpu_ms_single:.2f} ms | {row.cpu_ms_run:.2f} ms"
        )


def _print_differences(rows: list[Row]) -> None:
    """Each int8 row's figures less the float model's (the first row)."""
    base = rows[0]
    for row in rows[1:]:
        print(
            f"{row.name} - float: R@1 {row.recall_1 - base.recall_1:+.3f}, R@3 {row.recall_3 - base.recall_3:+.3f},"
            f" MRR@10 {row.mrr - base.mrr:+.3f}; CPU x{base.cpu_ms_run / row.cpu_ms_run:.2f} less in runs of {_RUN}"
        )


if __name__ == "__main__":
    main()
