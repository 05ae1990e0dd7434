"""Scale check (issue 4.5): exact vs HNSW search on a large index, and answer latency there.

Usage (after `qa index build --corpus <big corpus> --index-dir <dir>`):

    python bench/scale.py --index-dir <dir> --corpus <big corpus> --questions <questions.jsonl> [--sample N]

Prints, in one run on this machine: recall@10 of the HNSW index against exact (flat) search,
the build time and p50/p95 search latency of both, and the full answer path's p50 latency on
the big index beside the built-in article's p50 (its default index is built if needed).
"""

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import faiss
import numpy as np

from qa.engine import Engine, load_engine
from qa.index import ensure_index, hnsw_index
from qa.settings import Settings


def _percentile(values: list[float], quantile: float) -> float:
    return float(np.percentile(values, quantile))


def _timed_search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    ids, times = [], []
    for row in queries:
        started = time.perf_counter()
        _, found = index.search(row[None, :], k)
        times.append((time.perf_counter() - started) * 1000)
        ids.append(found[0])
    return np.array(ids), times


def _answer_p50(engine: Engine, questions: list[str]) -> float:
    for question in questions[:5]:
        engine.answer(question)
    times = []
    for question in questions:
        started = time.perf_counter()
        engine.answer(question)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    args = _arguments()
    settings = Settings(corpus=args.corpus, index_dir=args.index_dir, cache_size=0)
    index = ensure_index(settings)
    engine = load_engine(settings, index)
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in random.Random(0).sample(lines, min(args.sample, len(lines)))]
    vectors = engine.encoder.encoder.encode(questions)
    stored = np.asarray(index.vectors, dtype=np.float32)
    (flat, flat_build), (hnsw, hnsw_build) = _built(stored, settings)
    _print_flat_sizes(stored, vectors)
    exact, flat_times = _timed_search(flat, vectors, 10)
    approx, hnsw_times = _timed_search(hnsw, vectors, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
    article_engine, article_questions = _article()
    big_p50, small_p50 = _answer_p50(engine, questions), _answer_p50(article_engine, article_questions)
    print(
        f"passages: {len(stored):,} (served with {type(index.dense).__name__},"
        f" exact search up to {settings.exact_search_max:,})"
    )
    print(
        f"flat: build {flat_build:.2f} s, search p50 {_percentile(flat_times, 50):.3f} ms,"
        f" p95 {_percentile(flat_times, 95):.3f} ms"
    )
    print(
        f"HNSW M={settings.hnsw_m} efConstruction={settings.hnsw_ef_construction}"
        f" efSearch={settings.hnsw_ef_search}: build {hnsw_build:.1f} s, "
        f"search p50 {_percentile(hnsw_times, 50):.3f} ms, p95 {_percentile(hnsw_times, 95):.3f} ms"
    )
    print(f"HNSW recall@10 against exact search: {recall:.4f} over {len(questions)} questions")
    print(
        f"full answer path p50: {big_p50:.1f} ms on this index vs {small_p50:.1f} ms on the article"
        f" ({big_p50 / small_p50:.2f}x)"
    )


def _built(stored: np.ndarray, settings: Settings) -> tuple[tuple[faiss.Index, float], tuple[faiss.Index, float]]:
    """An exact and an HNSW index of the stored vectors, each with its build time in seconds."""
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(stored.shape[1])
    flat.add(stored)
    flat_build = time.perf_counter() - started
    started = time.perf_counter()
    hnsw = hnsw_index(stored, settings)
    hnsw_build = time.perf_counter() - started
    hnsw.hnsw.efSearch = settings.hnsw_ef_search
    return (flat, flat_build), (hnsw, hnsw_build)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=500)
    return parser.parse_args()


def _print_flat_sizes(stored: np.ndarray, vectors: np.ndarray) -> None:
    """Exact search's median time over the first 5k, 10k, 20k and 40k of the passages (those there are)."""
    for size in (5_000, 10_000, 20_000, 40_000):
        if size < len(stored):
            subset = faiss.IndexFlatIP(stored.shape[1])
            subset.add(stored[:size])
            print(
                f"flat search over {size:,} passages:"
                f" p50 {_percentile(_timed_search(subset, vectors, 10)[1], 50):.3f} ms"
            )


def _article() -> tuple[Engine, list[str]]:
    """An engine of the built-in article (in the default index folder) and its labelled questions."""
    article = Settings(cache_size=0)
    article_engine = load_engine(article, ensure_index(article))
    article_questions = [
        json.loads(line)["question"]
        for line in (Path(__file__).parent.parent / "eval" / "immunotherapy.jsonl").read_text().splitlines()
    ]
    return article_engine, article_questions
