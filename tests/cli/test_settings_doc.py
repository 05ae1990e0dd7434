"""docs/settings.md is generated from the settings classes and must match them."""

import os
from pathlib import Path
from typing import Literal

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings

from cli.settings_doc import DOC, REGENERATE, main, render, rows, settings_classes
from qa.settings import Settings


class _Example(BaseSettings):
    """Settings made up for these tests."""

    model_config = {"env_prefix": "EX_"}

    mode: Literal["fast", "exact"] = Field("fast", description="How | to search.")
    folder: Path | None = Field(None, description="Where <files> go.")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64, description="Workers.")
    names: list[str] = Field(default_factory=list, description="Names.")


def test_docs_settings_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), f"docs/settings.md is out of date: run {REGENERATE}"


def test_every_library_setting_is_documented() -> None:
    assert Settings in settings_classes()
    text = render()
    for name, field in Settings.model_fields.items():
        assert f"`QA_{name.upper()}`" in text
        assert field.description and field.description.replace("<", "\\<") in text


def test_rows_state_type_default_limits_and_escape_markdown() -> None:
    assert list(rows(_Example)) == [
        "| `EX_MODE` | `fast` or `exact` | `fast` |  | How \\| to search. |",
        "| `EX_FOLDER` | path, optional | unset |  | Where \\<files> go. |",
        "| `EX_WORKERS` | integer | computed when read (see meaning) | at least 1, at most 64 | Workers. |",
        "| `EX_NAMES` | list of text (JSON) | `[]` |  | Names. |",
    ]


def test_a_setting_without_description_is_refused() -> None:
    class Undocumented(BaseSettings):
        """Made up."""

        limit: int = 3

    with pytest.raises(ValueError, match=r"Undocumented\.limit has no description"):
        list(rows(Undocumented))


def test_check_fails_on_a_stale_file_until_it_is_regenerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "settings.md"
    output.write_text("stale\n", encoding="utf-8")
    assert main(["--check", "--output", str(output)]) == 1
    assert f"run {REGENERATE}" in capsys.readouterr().err
    assert main(["--output", str(output)]) == 0
    assert main(["--check", "--output", str(output)]) == 0


def test_every_setting_of_every_layer_is_documented_once() -> None:
    text = render()
    classes = settings_classes()
    assert {cls.__name__ for cls in classes} >= {"Settings", "ApiSettings", "ConsoleSettings"}
    for name in {name for cls in classes for name in cls.model_fields}:
        assert text.count(f"| `QA_{name.upper()}` |") == 1, name
