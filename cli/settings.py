"""The console's settings: the library's, and its own (same QA_ prefix) for `qa ask` and `qa chat`."""

from pathlib import Path

from pydantic import Field, field_validator

from qa.settings import Settings, makeable


class ConsoleSettings(Settings):
    """What `qa ask` and `qa chat` read besides the library's settings."""

    clipboard_file: Path | None = Field(None, description="`qa chat`'s :copy also writes the passage to this file.")
    http_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="How long `qa ask --url` and `qa chat --url` wait for the server's answer (generous: a freshly"
        " started server's first answer can wait for its index to load).",
    )

    @field_validator("clipboard_file")
    @classmethod
    def _file(cls, path: Path | None) -> Path | None:
        return makeable(path, "file")
