"""Above QA_EXACT_SEARCH_MAX passages the dense index is HNSW, and it finds what exact search finds."""

import json
import random
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.engine import load_engine
from qa.index import ensure_index
from qa.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow
EXACT_SEARCH_MAX = 100


def generated_corpus(path: Path, documents: int = 150, seed: int = 0) -> Path:
    """Documents of three to five of the article's lines each, in a seeded random order."""
    lines = [
        line for line in (PROJECT_ROOT / "corpus" / "acs-immunotherapy.txt").read_text().splitlines() if len(line) > 60
    ]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(documents):
            paragraphs = rng.sample(lines, rng.randint(3, 5))
            out.write(
                json.dumps({"id": f"gen-{number}", "title": f"Generated {number}", "text": "\n\n".join(paragraphs)})
                + "\n"
            )
    return path


def test_hnsw_over_the_threshold_matches_exact_search(settings: Settings, tmp_path: Path) -> None:
    hnsw_settings = Settings(
        corpus=generated_corpus(tmp_path / "corpus.jsonl"),
        index_dir=tmp_path / "index",
        model_cache=settings.model_cache_dir,
        exact_search_max=EXACT_SEARCH_MAX,
    )
    index = ensure_index(hnsw_settings)
    assert len(index.passages) > EXACT_SEARCH_MAX
    assert index.manifest.dense_index == "IndexHNSWFlat"
    assert isinstance(index.dense, faiss.IndexHNSW) and index.dense.hnsw.efSearch == hnsw_settings.hnsw_ef_search

    service = load_engine(hnsw_settings, index)
    questions = [
        json.loads(line)["question"]
        for line in (PROJECT_ROOT / "eval" / "immunotherapy.jsonl").read_text().splitlines()
    ][:60]
    vectors = service.encoder.encoder.encode(questions)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(np.asarray(index.vectors, dtype=np.float32))
    _, expected = exact.search(vectors, 10)
    _, found = index.dense.search(vectors, 10)
    recall = np.mean([len(set(e) & set(f)) / 10 for e, f in zip(expected, found, strict=True)])
    assert recall >= 0.98

    answer = service.answer("Can I take immunotherapy as a pill?", 3)
    assert answer.answered
    for passage in answer.passages:
        assert index.corpus.get(passage.document_id).text[passage.start : passage.end] == passage.text
