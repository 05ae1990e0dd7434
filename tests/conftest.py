"""Shared fixtures: the real model, a real index built once per session, the real app."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from cli.settings import ConsoleSettings
from qa.engine import Engine, load_engine
from qa.index import Index, ensure_index
from qa.publisher import PublisherTexts, publisher_texts
from qa.settings import PROJECT_ROOT, Settings
from tests.servers import Paths

CORPUS = PROJECT_ROOT / "corpus"
# MedQuAD's CancerGov pages (CC BY 4.0, attribution in bench/medquad/README.md): the seven leukemia
# pages are siblings with near-identical sections, each opening with a "Key Points" list.
MEDQUAD = PROJECT_ROOT / "bench" / "medquad"
LEUKEMIA = frozenset(f"CancerGov_0000001_{n}" for n in range(1, 8))
ARTICLE = CORPUS / "acs-immunotherapy.txt"


def private_copy(folder: Path, settings: Settings, **overrides: Any) -> ApiSettings:
    """The app's settings over a copy of the article and of its built index, which a test may change."""
    shutil.copytree(CORPUS, folder / "corpus")
    shutil.copytree(settings.index_dir, folder / "index")
    return ApiSettings(
        corpus=folder / "corpus", index_dir=folder / "index", model_cache=settings.model_cache, **overrides
    )


def console_settings(settings: Settings, **overrides: Any) -> ConsoleSettings:
    """The console's settings with the library's of `settings`."""
    return ConsoleSettings(**{**settings.model_dump(include=set(Settings.model_fields)), **overrides})


@pytest.fixture(scope="session")
def model_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for ONNX exports, shared by every index the tests build and kept between runs in pytest's
    cache folder: an export takes about 8 s of CPU, and the library exports a damaged or stale one again.
    Tests that damage an export work on a private copy."""
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    return cache.mkdir("onnx-exports") if cache is not None else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> ApiSettings:
    """The app's settings (the library's among them) for the built-in article, with the index in a temporary
    folder."""
    return ApiSettings(corpus=CORPUS, index_dir=tmp_path_factory.mktemp("index"), model_cache=model_cache)


@pytest.fixture(scope="session")
def index(settings: ApiSettings) -> Index:
    return ensure_index(settings)


@pytest.fixture(scope="session")
def publisher(settings: ApiSettings, index: Index) -> PublisherTexts:
    """The article's publisher texts: its sidecar over the settings' defaults."""
    return publisher_texts(index.corpus, settings)


@pytest.fixture(scope="session")
def service(settings: ApiSettings, index: Index) -> Engine:
    return load_engine(settings, index)


@pytest.fixture(scope="session")
def leukemia_settings(tmp_path_factory: pytest.TempPathFactory, settings: ApiSettings) -> ApiSettings:
    """The settings over MedQuAD's seven leukemia pages, with the answer cache off."""
    folder = tmp_path_factory.mktemp("leukemia")
    lines = (MEDQUAD / "corpus-cancergov.jsonl").read_text().splitlines()
    (folder / "leukemia.jsonl").write_text("".join(line + "\n" for line in lines if json.loads(line)["id"] in LEUKEMIA))
    update = {"corpus": folder / "leukemia.jsonl", "index_dir": folder / "index", "cache_size": 0}
    return settings.model_copy(update=update)


@pytest.fixture(scope="session")
def leukemia(leukemia_settings: ApiSettings) -> Index:
    return ensure_index(leukemia_settings)


@pytest.fixture(scope="session")
def leukemia_engine(leukemia_settings: ApiSettings, leukemia: Index, service: Engine) -> Engine:
    return load_engine(leukemia_settings, leukemia, encoder=service.encoder.encoder)


@pytest.fixture(scope="module")
def client(settings: ApiSettings, index: Index) -> Iterator[TestClient]:
    """The app over the session's index (already loaded, so not read from disk again)."""
    with TestClient(create_app(settings, index)) as test_client:
        yield test_client


@pytest.fixture
def paths(tmp_path: Path, settings: ApiSettings, index: Index) -> Paths:
    """A copy of the corpus and of its built index."""
    paths = Paths(tmp_path, settings.model_cache_dir)
    shutil.copytree(CORPUS, paths.corpus)
    shutil.copytree(settings.index_dir, paths.index_dir)
    return paths
