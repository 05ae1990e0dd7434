"""The console's settings: its clipboard file must be a file, and the library's settings come with them."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from cli.settings import ConsoleSettings


def test_a_clipboard_file_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is a folder, not a file"):
        ConsoleSettings(clipboard_file=tmp_path)


def test_a_clipboard_file_to_be_made_and_the_library_settings_are_read(tmp_path: Path) -> None:
    settings = ConsoleSettings(clipboard_file=tmp_path / "copied.txt", top_k_max=7)
    assert settings.clipboard_file == tmp_path / "copied.txt" and settings.top_k_max == 7
