"""Float against int8 question encoding (QA_QUANTIZE), on one index, in the same run.

Usage (after `qa index build` for the corpus; passages are always encoded by the float model):

    python -m bench.quantization QUESTIONS [--corpus P --index-dir P] [--sample IDS] [--split S]

Prints, for the float and the int8 ONNX encoder of the same model: R@1, R@3 and MRR@10 of the
service's hybrid retrieval, the share of each kind of question not answered (answerable, off-topic,
unanswerable, as the file labels them), the cosine between
the two encoders' question vectors (lowest and median), and the encoder's CPU time per question
(process time of all threads, one question per call as at low load, and 8 per call as under load;
the int8 encoder runs each question alone either way). For comparison it also times the int8 model
run on 8 questions at once, which the service does not do: its vectors then depend on the batch.
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
from qa.embedding import Encoder, OnnxEncoder, load_encoder, model_dir
from qa.index import ensure_index
from qa.onnx_export import exported_model
from qa.service import QAService
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
    cpu_ms_single: float
    cpu_ms_run: float


def cpu_per_question(encoder: Encoder, texts: list[str], run: int) -> float:
    """Milliseconds of process CPU per question, encoding `run` questions per call (after a warm-up call)."""
    encoder.encode(texts[:run])
    began = time.process_time()
    for start in range(0, len(texts), run):
        encoder.encode(texts[start : start + run])
    return (time.process_time() - began) * 1000 / len(texts)


def measure(name: str, service: QAService, questions: list[LabelledQuestion]) -> Row:
    report = score(name, questions, evidence_for(service, questions), service)
    texts = [q.question for q in questions]
    return Row(
        name,
        report.recall[1],
        report.recall[3],
        report.mrr,
        report.refusal,
        cpu_per_question(service.encoder, texts, 1),
        cpu_per_question(service.encoder, texts, _RUN),
    )


def agreement(first: Encoder, second: Encoder, texts: list[str]) -> tuple[float, float]:
    """Lowest and median cosine between the two encoders' vectors of the same questions."""
    a: npt.NDArray[np.float32] = first.encode(texts)
    b: npt.NDArray[np.float32] = second.encode(texts)
    cosines = (a * b).sum(axis=1)
    return float(cosines.min()), float(statistics.median(cosines.tolist()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--sample", type=Path, help="File of question ids to keep (MedQuAD's sample).")
    parser.add_argument("--split", default="all")
    args = parser.parse_args()

    update = {"cache_size": 0, "encoder_threads": 1}
    update |= {name: value for name, value in (("corpus", args.corpus), ("index_dir", args.index_dir)) if value}
    settings = Settings().model_copy(update=update)
    index = ensure_index(settings)
    questions = select_questions(load_questions(args.questions, index.corpus, args.split), args.sample)
    encoders = {name: load_encoder(settings, quantized=name == "int8") for name in ("float", "int8")}
    rows = [measure(name, QAService(settings, index, encoder=encoder), questions) for name, encoder in encoders.items()]
    texts = [q.question for q in questions]
    lowest, median = agreement(encoders["float"], encoders["int8"], texts)
    answerable = sum(q.kind == "answerable" for q in questions)
    print(f"{args.questions} ({args.split}): {len(questions)} questions, {answerable} answerable;")
    print(f"{len(index.passages)} passages; 1 encoder thread; float/int8 cosine min {lowest:.4f}, median {median:.4f}")
    kinds = sorted(rows[0].not_answered)
    print(f"encoder | R@1 | R@3 | MRR@10 | not answered: {', '.join(kinds)} | CPU/question, 1 per call | 8 per call")
    for row in rows:
        refused = ", ".join(f"{row.not_answered[kind]:.1%}" for kind in kinds)
        print(
            f"{row.name} | {row.recall_1:.3f} | {row.recall_3:.3f} | {row.mrr:.3f} | {refused}"
            f" | {row.cpu_ms_single:.2f} ms | {row.cpu_ms_run:.2f} ms"
        )
    folder = model_dir(settings)
    int8_file = exported_model(folder, settings.model_cache_dir) / "model-int8.onnx"
    batched = cpu_per_question(OnnxEncoder(int8_file, folder, 1, batch_size=_RUN), texts, _RUN)
    print(f"int8 run on {_RUN} questions at once (batch-dependent vectors, not used): {batched:.2f} ms per question")
    base, int8 = rows
    print(
        f"int8 - float: R@1 {int8.recall_1 - base.recall_1:+.3f}, R@3 {int8.recall_3 - base.recall_3:+.3f},"
        f" MRR@10 {int8.mrr - base.mrr:+.3f}; CPU x{base.cpu_ms_run / int8.cpu_ms_run:.2f} less in runs of {_RUN}"
    )


if __name__ == "__main__":
    main()
