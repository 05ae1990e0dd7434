"""The index's settings: where builds live, how the dense index is made and searched, and its upkeep."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from qa.settings.base import SETTINGS_CONFIG, default_index_dir, makeable


class IndexSettings(BaseSettings):
    """The built index: where builds and model exports live, the dense index, and the build's upkeep."""

    model_config = SETTINGS_CONFIG

    index_dir: Path = Field(
        default_factory=default_index_dir,
        description="Where builds live (CURRENT, builds/<id>/, models/): index/ in a source checkout, else the user's"
        " cache folder.",
    )
    model_cache: Path | None = Field(
        None, description="Where ONNX exports of the model are kept; default <index_dir>/models."
    )
    search_threads: int = Field(
        1,
        ge=0,
        description="FAISS (OpenMP) threads of the process; 0 = one per core. A search of a few questions takes"
        " microseconds, and handing it to other threads cost 0.4 ms of CPU per question (measured).",
    )
    exact_search_max: int = Field(
        10000,
        ge=1,
        description="Above this many passages the dense index is HNSW"
        " (docs/performance.md, Scale: flat search takes about 0.5-0.8 ms at 10k passages).",
    )
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree (M).")
    hnsw_ef_construction: int = Field(200, ge=8, description="HNSW build-time candidate list (efConstruction).")
    hnsw_ef_search: int = Field(128, ge=8, description="HNSW search-time candidate list (efSearch).")
    build_on_start: bool = Field(
        True,
        description="Build the index at start when it is missing or stale; false for a replica that only serves"
        " what `qa index build` made (it then stops with a message if there is no usable index); same as"
        " `qa serve --no-build`.",
    )
    index_watch_seconds: float = Field(
        2.0, ge=0, description="How often a server checks for a build made by `qa index build`; 0 turns it off."
    )
    builds_kept_on_disk: int = Field(
        2,
        ge=1,
        description="Newest builds kept in index_dir/builds, the new one included; older ones are removed after"
        " each build (another worker may still serve the one before).",
    )
    documents_kept_builds: int = Field(
        2,
        ge=0,
        description="Earlier builds whose documents stay fetchable with ?build_id= after a reindex (kept in memory).",
    )
    index_verify_seconds: float = Field(
        30.0,
        ge=0,
        description="How often a server hashes the live build's files again; a file that no longer matches its"
        " checksum makes /readyz 503 naming it (docs/reliability.md). 0 turns it off.",
    )
    self_test_passages: int = Field(
        8,
        ge=0,
        description="Passages whose own sentence must come back first, answered, before a build serves"
        " (start-up and every new build; docs/reliability.md). 0 turns the self-test off.",
    )

    @field_validator("index_dir", "model_cache")
    @classmethod
    def _folder(cls, path: Path | None) -> Path | None:
        return makeable(path, "folder")

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.index_dir / "models"
