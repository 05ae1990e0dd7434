"""What every settings class shares: how `QA_` variables are read, and the folders the defaults point to."""

from pathlib import Path
from typing import Literal

from platformdirs import user_cache_path
from pydantic_settings import SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
_PACKAGE = Path(__file__).parent.parent

# allow_inf_nan=False: no limit or interval may be infinite (QA_REQUEST_TIMEOUT_SECONDS=inf) or NaN.
SETTINGS_CONFIG = SettingsConfigDict(
    env_prefix="QA_", env_file=".env", env_ignore_empty=True, extra="ignore", allow_inf_nan=False
)


def makeable(path: Path | None, wanted: Literal["file", "folder"]) -> Path | None:
    """`path` when it is a `wanted` or can be made one (no file on the way to it); else ValueError."""
    if path is not None and path.exists() and (path.is_dir() != (wanted == "folder")):
        raise ValueError(f"{path} is a {'folder' if path.is_dir() else 'file'}, not a {wanted}")
    blocking = next((parent for parent in path.parents if parent.exists()), None) if path else None
    if blocking is not None and not blocking.is_dir():
        raise ValueError(f"{path} cannot be made: {blocking} is a file")
    return path


def _shipped(folder: str) -> Path:
    """A data folder shipped with the package (a wheel installs it under qa/), else the checkout's own."""
    packaged = _PACKAGE / folder
    return packaged if packaged.is_dir() else PROJECT_ROOT / folder


def builtin_corpus() -> Path:
    """The article shipped with the package."""
    return _shipped("corpus")


def builtin_check_questions() -> list[Path]:
    """The article's labelled questions and follow-ups shipped with the package (eval/)."""
    return [_shipped("eval") / name for name in ("immunotherapy.jsonl", "dialogues.jsonl")]


def default_index_dir() -> Path:
    """index/ in a source checkout (beside pyproject.toml); otherwise the user's cache folder."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "index"
    return user_cache_path("cancer-qa") / "index"
