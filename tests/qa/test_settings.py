"""Settings are checked when they are read: a bad value is refused with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from qa.settings import PROJECT_ROOT, Settings, builtin_corpus, default_index_dir

BAD = [
    ({"model": "/no/such/model"}, "model"),
    ({"top_k_default": 20, "top_k_max": 10}, "top_k_default"),
    ({"hnsw_ef_construction": 2}, "hnsw_ef_construction"),
]
GOOD: list[dict[str, Any]] = [{"hnsw_ef_construction": 64}, {"document_language": "en-US"}]
# What only the HTTP app (api/settings.py) or the console (cli/settings.py) reads.
NOT_THE_LIBRARYS = (
    "cors_origins",
    "frame_ancestors",
    "rate_limit",
    "rate_limit_storage",
    "max_connections",
    "probe_port",
    "admin_token",
    "log_questions",
    "trusted_proxies",
    "clipboard_file",
)


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


def test_the_library_settings_hold_no_http_or_console_setting() -> None:
    assert not set(NOT_THE_LIBRARYS) & set(Settings.model_fields)


def test_reading_the_library_settings_does_not_import_the_rate_limit_library() -> None:
    code = "import sys, qa.settings; qa.settings.Settings(); print('limits' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
