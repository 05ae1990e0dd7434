"""Keyword tokenization: what bm25s.tokenize gives, safe across threads; term postings read right."""

import json
from concurrent.futures import ThreadPoolExecutor

import bm25s
import numpy as np

from qa import lexical
from qa.index import Index
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


def test_tokens_are_those_of_bm25s_so_indexes_built_before_still_match() -> None:
    article = (PROJECT_ROOT / "corpus" / "acs-immunotherapy.txt").read_text(encoding="utf-8")
    texts = [*QUESTIONS, *article.splitlines(), "¿Qué es la inmunoterapia?", "CAR-T cells' side-effects: naïve 2nd", ""]
    expected = bm25s.tokenize(
        texts, stopwords=lexical.STOPWORDS, stemmer=lexical._stemmer(), return_ids=False, show_progress=False
    )
    assert lexical.tokenize(texts) == expected


def test_terms_used_by_passages_come_from_the_postings(index: Index) -> None:
    terms = lexical.tokenize(["Can CAR T-cell therapy cause cytokine release syndrome in the clinic?"])[0]
    for group in ([0], [3, 10], [5, 20, 40], list(range(len(index.passages)))):
        used = {term for tokens in lexical.tokenize([index.passages[i].text for i in group]) for term in tokens}
        assert index.lexical.terms_used(terms, np.array(group)) == set(terms) & used
