"""Settings refuse bad values when they are read, with a message naming the setting."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from qa.settings import PROJECT_ROOT, Settings, builtin_corpus, default_index_dir


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"QA_FRAME_ANCESTORS": '["https://a.example; script-src *"]'}, "Not a valid frame-ancestors source"),
        ({"QA_FRAME_ANCESTORS": '["https://a.example https://b.example"]'}, "Not a valid frame-ancestors source"),
        ({"QA_FRAME_ANCESTORS": '[""]'}, "Not a valid frame-ancestors source"),
        ({"QA_RATE_LIMIT": "5/fortnight"}, "Not a rate limit: '5/fortnight'"),
        ({"QA_TOP_K_DEFAULT": "12"}, "QA_TOP_K_DEFAULT (12) is above QA_TOP_K_MAX (10)"),
        ({"QA_TOP_K_DEFAULT": "5", "QA_TOP_K_MAX": "4"}, "QA_TOP_K_DEFAULT (5) is above QA_TOP_K_MAX (4)"),
        ({"QA_HNSW_EF_CONSTRUCTION": "2"}, "greater than or equal to 8"),
    ],
)
def test_bad_values_are_refused_at_start_up(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert message in str(raised.value)


def test_good_values_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_FRAME_ANCESTORS", '["https://a.example", "\'self\'"]')
    monkeypatch.setenv("QA_RATE_LIMIT", "60/minute")
    monkeypatch.setenv("QA_HNSW_EF_CONSTRUCTION", "64")
    settings = Settings()
    assert settings.frame_ancestors == ["https://a.example", "'self'"]
    assert settings.rate_limit == "60/minute"
    assert settings.hnsw_ef_construction == 64


def test_a_source_checkout_keeps_its_corpus_and_index_beside_the_code() -> None:
    assert builtin_corpus() == PROJECT_ROOT / "corpus"
    assert default_index_dir() == PROJECT_ROOT / "index"


def test_defaults_do_not_depend_on_the_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.corpus == builtin_corpus() and settings.index_dir == default_index_dir()
