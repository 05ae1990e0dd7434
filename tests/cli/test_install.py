"""A plain (non-editable) install answers from any folder, with the article and refusal weights it ships."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from qa.engine import Engine
from qa.settings import PROJECT_ROOT, Settings

PILL = "Can I take immunotherapy as a pill?"
# What the wheel is built from: the repository without built indexes, caches or test output.
_SOURCES = ("pyproject.toml", "README.md", "qa", "corpus", "eval", "api", "cli", "evaluation", "bench")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_answers_from_an_empty_folder(
    tmp_path: Path, settings: Settings, service: Engine
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QA_", "PYTHON", "VIRTUAL_ENV"))}
    source = tmp_path / "source"
    source.mkdir()
    for name in _SOURCES:
        copy = shutil.copytree if (PROJECT_ROOT / name).is_dir() else shutil.copyfile
        copy(PROJECT_ROOT / name, source / name)
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        tmp_path,
        env,
    )
    assert built.returncode == 0, built.stderr
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies are this venv's, seen through a path file (its own editable install is not: nested
    # path files are not read), so only our wheel is installed and nothing is downloaded.
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next((tmp_path / "dist").glob("cancer_qa-*.whl"))
    installed = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        tmp_path,
        env,
    )
    assert installed.returncode == 0, installed.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    cache = tmp_path / "cache"
    # The ONNX export the test session already made is reused, so only the index is built.
    env |= {"XDG_CACHE_HOME": str(cache), "QA_MODEL_CACHE": str(settings.model_cache_dir)}
    asked = run([str(venv / "bin" / "qa"), "ask", PILL, "--json", "--top-k", "2"], empty, env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answered"] is True
    assert [p["id"] for p in answer["passages"]] == [p.id for p in service.answer(PILL, 2).passages]
    where = run(
        [str(python), "-c", "import qa, qa.settings as s; print(qa.__file__); print(s.Settings().corpus)"], empty, env
    )
    package_file, corpus = where.stdout.split()
    assert Path(package_file).is_relative_to(venv)
    assert Path(corpus) == Path(package_file).parent / "corpus"
    text = (Path(corpus) / "acs-immunotherapy.txt").read_text(encoding="utf-8")
    assert all(text[p["start"] : p["end"]] == p["text"] for p in answer["passages"])
    assert (cache / "cancer-qa" / "index" / "CURRENT").is_file()
    assert list(empty.iterdir()) == []
