"""Replicas: `qa serve --no-build` (or QA_BUILD_ON_START=false) serves a prebuilt index and never builds one."""

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bench.http_load import running_server
from cli.main import app
from qa.index import Index
from qa.settings import Settings
from tests.conftest import ARTICLE, private_copy

pytestmark = pytest.mark.slow


def serve_replica(settings: Settings, how: str) -> tuple[int, str]:
    """Exit code and words of `qa serve` told not to build, by flag or by setting (it fails before serving)."""
    args = ["serve", "--port", "1", "--corpus", str(settings.corpus), "--index-dir", str(settings.index_dir)]
    env = {"QA_MODEL_CACHE": str(settings.model_cache_dir)}
    if how == "flag":
        args.append("--no-build")
    else:
        env["QA_BUILD_ON_START"] = "false"
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_a_replica_without_an_index_stops_with_a_message(settings: Settings, tmp_path: Path, how: str) -> None:
    empty = settings.model_copy(update={"index_dir": tmp_path / "index"})
    code, said = serve_replica(empty, how)
    assert code == 3
    assert f"No index has been built in {empty.index_dir}." in said
    assert "does not build indexes (QA_BUILD_ON_START=false)" in said and "qa index build" in said
    assert not (tmp_path / "index" / "builds").exists()  # nothing was built


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_a_replica_with_a_stale_index_stops_rather_than_builds(
    settings: Settings, index: Index, tmp_path: Path, how: str
) -> None:
    copy = private_copy(tmp_path, settings)
    (copy.corpus / ARTICLE.name).write_text("A different article.\n\nWith other text.", encoding="utf-8")
    builds_before = sorted(p.name for p in (copy.index_dir / "builds").iterdir())
    code, said = serve_replica(copy, how)
    assert code == 3
    assert "The index is out of date (corpus_fingerprint changed)." in said
    assert sorted(p.name for p in (copy.index_dir / "builds").iterdir()) == builds_before


def test_a_replica_serves_the_prebuilt_index_as_it_is(settings: Settings, index: Index, tmp_path: Path) -> None:
    copy = private_copy(tmp_path, settings)
    builds_before = sorted(p.name for p in (copy.index_dir / "builds").iterdir())
    with running_server(copy, {}, tmp_path / "replica.log", ["--no-build"]) as server:
        ready = httpx.get(f"{server.url}/readyz").json()
        answer = httpx.post(f"{server.url}/v1/ask", json={"question": "Can I take immunotherapy as a pill?"}).json()
    assert ready["build_id"] == index.manifest.build_id
    assert answer["answered"] and answer["passages"]
    assert sorted(p.name for p in (copy.index_dir / "builds").iterdir()) == builds_before
