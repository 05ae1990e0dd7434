"""`qa index build` and the index check of commands that load it: clear errors and exit codes, no tracebacks."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app

pytestmark = pytest.mark.slow
PILL = "Can I take immunotherapy as a pill?"


@pytest.fixture(scope="module")
def env(model_cache: Path) -> dict[str, str]:
    """Keep the ONNX exports shared with the other tests so the model is not exported again."""
    return {"QA_MODEL_CACHE": str(model_cache)}


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(app, args, env=env)


def said(result: Result) -> str:
    """Everything the command printed, with rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    index_dir = tmp_path_factory.mktemp("cli") / "index"
    result = run(["index", "build", "--index-dir", str(index_dir)], env)
    assert result.exit_code == 0, result.output
    assert "Built index" in said(result)
    return index_dir


@pytest.fixture
def index_copy(built: Path, tmp_path: Path) -> Path:
    shutil.copytree(built, tmp_path / "index")
    return tmp_path / "index"


def live_build(index_dir: Path) -> Path:
    return index_dir / "builds" / (index_dir / "CURRENT").read_text().strip()


def test_index_build_writes_a_build_and_names_it_in_current(built: Path) -> None:
    build = live_build(built)
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["build_id"] == build.name
    assert manifest["passages"] > 40 and manifest["documents"] == 1
    assert not [p.name for p in (built / "builds").iterdir() if p.name.startswith(".tmp-")]


def test_ask_answers_from_the_built_index(built: Path, env: dict[str, str]) -> None:
    result = run(["ask", PILL, "--json", "--index-dir", str(built)], env)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["answered"] is True
    assert "Oral immunotherapy is taken by mouth as a pill" in answer["passages"][0]["text"]
    assert answer["helpline"]["phone"] == "1-800-227-2345"


def _garble_dense(index_dir: Path) -> None:
    path = live_build(index_dir) / "dense.faiss"
    path.write_bytes(path.read_bytes()[:100] + b"\x00" * 100)


_DAMAGE = {
    "garbled dense.faiss": (_garble_dense, "damaged"),
    "garbage manifest.json": (lambda d: (live_build(d) / "manifest.json").write_text("garbage"), "manifest"),
    "CURRENT names a missing build": (lambda d: (d / "CURRENT").write_text("20000101T000000Z"), "does not exist"),
}


@pytest.mark.parametrize("damage", list(_DAMAGE))
def test_a_command_that_loads_a_corrupt_index_exits_with_code_3(
    index_copy: Path, env: dict[str, str], damage: str
) -> None:
    harm, words = _DAMAGE[damage]
    harm(index_copy)
    result = run(["ask", PILL, "--index-dir", str(index_copy)], env)
    assert result.exit_code == 3, result.output
    assert words in said(result).split("error:", 1)[1]
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_index_build_on_a_missing_corpus_exits_with_code_2(tmp_path: Path, env: dict[str, str]) -> None:
    result = run(["index", "build", "--corpus", str(tmp_path / "nowhere"), "--index-dir", str(tmp_path / "index")], env)
    assert result.exit_code == 2, result.output
    assert "Corpus not found" in said(result)
    assert not (tmp_path / "index" / "CURRENT").exists()


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_ask_with_an_empty_question_exits_with_code_2(built: Path, env: dict[str, str], question: str) -> None:
    result = run(["ask", question, "--index-dir", str(built)], env)
    assert result.exit_code == 2, result.output
    assert "The question is empty" in said(result)
