"""Settings are checked when they are read: a bad value is refused with a message naming it."""

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from qa.settings import PROJECT_ROOT, Settings, builtin_corpus, default_index_dir

BAD = [
    ({"frame_ancestors": ["https://a.example; script-src *"]}, "frame_ancestors"),
    ({"frame_ancestors": ["https://a.example https://b.example"]}, "frame_ancestors"),
    ({"frame_ancestors": ["'unsafe-inline'"]}, "frame_ancestors"),
    ({"cors_origins": ["https://a.example/"]}, "cors_origins"),
    ({"cors_origins": ["a.example"]}, "cors_origins"),
    ({"rate_limit": "5/minit"}, "rate_limit"),
    ({"rate_limit": "lots"}, "rate_limit"),
    ({"trusted_proxies": ["not-an-address"]}, "trusted_proxies"),
    ({"model": "/no/such/model"}, "model"),
    ({"top_k_default": 20, "top_k_max": 10}, "top_k_default"),
    ({"hnsw_ef_construction": 2}, "hnsw_ef_construction"),
]
GOOD: list[dict[str, Any]] = [
    {"frame_ancestors": ["'self'", "https://a.example", "https://*.b.example:8443", "https:"]},
    {"cors_origins": ["https://a.example", "http://localhost:8000", "*"]},
    {"rate_limit": "60/minute"},
    {"rate_limit": "10 per second"},
    {"trusted_proxies": ["10.0.0.0/8", "192.0.2.9", "::1", "*"]},
    {"hnsw_ef_construction": 64},
]


@pytest.mark.parametrize(("values", "named"), BAD)
def test_a_bad_setting_is_refused_and_named(values: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError, match=named if named == "top_k_default" else None) as raised:
        Settings(**values)
    assert raised.value.errors()[0]["loc"] in ((named,), ())


@pytest.mark.parametrize("values", GOOD)
def test_good_settings_are_accepted(values: dict[str, Any]) -> None:
    Settings(**values)


def test_an_index_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValidationError, match="is a file, not a folder"):
        Settings(index_dir=tmp_path / "file")


def test_a_source_checkout_keeps_its_corpus_and_index_beside_the_code() -> None:
    assert builtin_corpus() == PROJECT_ROOT / "corpus"
    assert default_index_dir() == PROJECT_ROOT / "index"


def test_defaults_do_not_depend_on_the_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.corpus == builtin_corpus() and settings.index_dir == default_index_dir()


def test_settings_are_built_where_the_system_has_no_cpu_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as on macOS and Windows
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert Settings().batch_workers == 3
