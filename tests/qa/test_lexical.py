"""Keyword tokenization is safe across threads: each thread stems with its own PyStemmer."""

import json
from concurrent.futures import ThreadPoolExecutor

from qa import lexical
from qa.settings import PROJECT_ROOT

QUESTIONS = [
    json.loads(line)["question"] for line in (PROJECT_ROOT / "eval" / "immunotherapy.jsonl").read_text().splitlines()
]


def test_each_thread_stems_with_its_own_stemmer() -> None:
    with ThreadPoolExecutor(4) as pool:
        stemmers = set(pool.map(lambda _: id(lexical._stemmer()), range(4), chunksize=1))
        mine = lexical._stemmer()
    assert lexical._stemmer() is mine
    assert id(mine) not in stemmers


def test_concurrent_tokenization_matches_one_thread() -> None:
    expected = lexical.tokenize(QUESTIONS)
    with ThreadPoolExecutor(4) as pool:
        found = [tokens for batch in pool.map(lexical.tokenize, [[q] for q in QUESTIONS]) for tokens in batch]
    assert found == expected
    assert lexical.tokenize(["What side effects are treated with steroids?"]) == [
        ["side", "effect", "treat", "steroid"]
    ]
