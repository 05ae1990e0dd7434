"""The one settings object: every tunable of the library, the API and the CLI."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration read from `QA_*` environment variables (and `.env`)."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", env_ignore_empty=True, extra="ignore")

    corpus: Path = Field(PROJECT_ROOT / "corpus", description="Folder of .txt/.md documents or a .jsonl collection.")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Where built indexes live.")
    model_cache: Path | None = Field(
        None, description="Where ONNX exports of the model are kept; default <index_dir>/models."
    )
    model: str | None = Field(
        None, description="A sentence-transformers model name or path; default: the packaged all-MiniLM-L6-v2."
    )

    max_passage_chars: int = Field(600, ge=100, le=4000)
    top_k_default: int = Field(3, ge=1)
    top_k_max: int = Field(10, ge=1, le=50)
    question_max_chars: int = Field(1000, ge=10)

    lexical_weight: float = Field(0.3, ge=0, description="Weight of normalized BM25 in the hybrid score.")
    sentence_weight: float = Field(
        2.0, ge=0, description="Weight of the best sentence (and sentence pair) similarity in the hybrid score."
    )
    encoder_backend: Literal["onnx", "torch"] = "onnx"
    quantize: bool = Field(
        False, description="Use the int8 ONNX model for questions (off: it moved eval metrics by more than 0.01)."
    )
    encoder_threads: int = Field(0, ge=0, description="ONNX Runtime threads per encoder call; 0 = one per core.")
    micro_batching: bool = True
    batch_max: int = Field(64, ge=1)
    batch_workers: int = Field(
        1, ge=1, description="Encoder calls that may run at once; with encoder_threads=1, one per core."
    )
    cache_size: int = Field(2048, ge=0, description="Recent answers kept in memory; 0 turns the cache off.")
    exact_search_max: int = Field(
        10000,
        ge=1,
        description="Above this many passages the dense index is HNSW"
        " (README, Scale: flat search takes about 0.5-0.8 ms at 10k passages).",
    )
    hnsw_m: int = Field(32, ge=4)
    hnsw_ef_search: int = Field(128, ge=8)

    cors_origins: list[str] = Field(default_factory=list)
    frame_ancestors: list[str] = Field(
        default_factory=list, description="Origins allowed to embed the chat page in a frame; none by default."
    )
    log_questions: bool = Field(False, description="Write question text to logs; only with the users' consent.")
    log_hash_key: SecretStr | None = Field(
        None,
        description="Key of the HMAC that tags questions in access logs; give every worker the same key to group"
        " repeats across workers and restarts. Unset: a random key per process.",
    )
    clipboard_file: Path | None = Field(None, description="`qa chat`'s :copy also writes the passage to this file.")
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for POST /v1/admin/reindex; the endpoint is off (404) when unset."
    )
    build_on_start: bool = Field(
        True,
        description="Build the index at start when it is missing or stale; false for a replica that only serves"
        " what `qa index build` made (it then stops with a message if there is no usable index).",
    )
    index_watch_seconds: float = Field(
        2.0, ge=0, description="How often a server checks for a build made by `qa index build`; 0 turns it off."
    )
    rate_limit: str | None = Field(None, description="Per-client limit such as '60/minute'; off when unset.")
    rate_limit_storage: str = Field(
        "memory://",
        description="Where the rate limit counts requests, as a `limits` storage URI: memory:// (each process"
        " alone) or redis://host:port (one limit shared by every worker and replica).",
    )
    max_body_bytes: int = Field(16384, ge=1024)
    trusted_proxies: list[str] = Field(default_factory=list)

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.index_dir / "models"
