"""Questions in another language: detected, searched only in documents of that language, or told so in it."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from tests.conftest import CORPUS

SPANISH = [
    "¿Qué es la inmunoterapia?",
    "¿Cuáles son los efectos secundarios de la inmunoterapia?",
    "¿Puedo tomar la inmunoterapia en pastillas?",
    "¿Cómo funciona la inmunoterapia?",
]
ENGLISH_WITH_SPANISH_WORDS = ["immunotherapy y chemo", "Can I take immunotherapy with chemo, por favor?"]
# A short Spanish document; its sidecar metadata names its language.
SPANISH_TEXT = """La inmunoterapia

La inmunoterapia es un tratamiento que ayuda a su propio sistema inmunitario a combatir el cáncer. \
Algunos tipos de inmunoterapia se toman por boca, en pastillas, y otros se administran por vena en una clínica.

Los efectos secundarios de la inmunoterapia pueden incluir cansancio, erupciones en la piel y diarrea. \
Su equipo de atención médica le explicará cómo controlarlos.
"""


def ask(client: TestClient, question: str) -> dict[str, Any]:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("question", SPANISH)
def test_a_spanish_question_without_spanish_documents_is_told_so_in_spanish(client: TestClient, question: str) -> None:
    answer = ask(client, question)
    assert answer["language"] == "es"
    assert answer["answered"] is False and answer["passages"] == []
    assert "en español" in answer["message"] and "1-800-227-2345" in answer["message"]
    assert "We could not find" not in answer["message"]  # not the English refusal
    assert "médico" in answer["disclaimer"]


@pytest.mark.parametrize("question", ENGLISH_WITH_SPANISH_WORDS)
def test_english_with_a_few_spanish_words_stays_english(client: TestClient, question: str) -> None:
    answer = ask(client, question)
    assert answer["language"] == "en"
    # Searched in the English article; foreign words the article never uses may make it only "related"
    # (the refusal model counts them as unknown terms), but the closest passages are still shown.
    assert answer["status"] in ("answered", "related") and answer["passages"]


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[TestClient]:
    """The English article plus one Spanish document (its own index)."""
    corpus = tmp_path_factory.mktemp("bilingual") / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "inmunoterapia.txt").write_text(SPANISH_TEXT, encoding="utf-8")
    (corpus / "inmunoterapia.meta.json").write_text(json.dumps({"language": "es", "publisher": "Prueba"}))
    settings = ApiSettings(corpus=corpus, index_dir=tmp_path_factory.mktemp("bilingual-index"), model_cache=model_cache)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_question_is_searched_only_in_documents_of_its_language(bilingual: TestClient) -> None:
    spanish = ask(bilingual, "¿Puedo tomar la inmunoterapia en pastillas?")
    assert spanish["language"] == "es"
    assert spanish["passages"] and {p["document_id"] for p in spanish["passages"]} == {"inmunoterapia"}
    english = ask(bilingual, "Can I take immunotherapy as a pill?")
    assert english["language"] == "en"
    assert english["passages"] and "inmunoterapia" not in {p["document_id"] for p in english["passages"]}
