"""`qa serve --no-build` answers with none of what only building, evaluating or the console needs.

The image's runtime stage installs requirements/serve.txt without these packages at all
(deploy/check_image.py); here the same packages are made unimportable in this venv, so the test runs
wherever the suite does.
"""

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from qa.index import Index
from qa.settings import Settings
from tests.servers import free_port

PILL = "Can I take immunotherapy as a pill?"
NOT_FOR_SERVING = ("torch", "sentence_transformers", "transformers", "onnx", "sklearn", "scipy", "prompt_toolkit")
# Runs `qa` as if those packages were not installed: a None entry in sys.modules makes `import` raise
# ModuleNotFoundError and importlib.util.find_spec return None, as for a missing package.
LAUNCHER = "import sys\nsys.modules.update(dict.fromkeys({blocked!r}))\n"
SERVE = 'from cli.main import app\napp(prog_name="qa")\n'


@pytest.mark.slow
def test_serving_an_existing_index_needs_no_build_eval_or_console_package(
    tmp_path: Path, settings: Settings, index: Index
) -> None:
    launcher = tmp_path / "qa_without.py"
    hook = LAUNCHER.format(blocked=set(NOT_FOR_SERVING))
    refused = subprocess.run([sys.executable, "-c", hook + "import sklearn"], capture_output=True, text=True)
    assert "ModuleNotFoundError: import of sklearn halted" in refused.stderr  # the launcher does hide them
    launcher.write_text(hook + SERVE)
    port = free_port()
    options = [
        "--no-build",
        "--port",
        str(port),
        "--corpus",
        str(settings.corpus),
        "--index-dir",
        str(settings.index_dir),
    ]
    log = tmp_path / "serve.log"
    env = {"QA_MODEL_CACHE": str(settings.model_cache_dir), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, str(launcher), "serve", *options], stdout=out, stderr=out, env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(600):
                assert server.poll() is None, log.read_text()
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            answer = client.post("/v1/ask", json={"question": PILL}).json()
        assert answer["answered"] is True, answer
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert "halted" not in log.read_text()


@pytest.mark.parametrize(
    ("command", "how"),
    [
        (["chat"], "cancer-qa[console]"),
        (["eval", "q.jsonl", "--fit-refusal", "r.json"], "cancer-qa[eval]"),
    ],
)
def test_a_command_whose_extra_is_not_installed_says_how_to_install_it(
    tmp_path: Path, command: list[str], how: str
) -> None:
    launcher = tmp_path / "qa_without.py"
    launcher.write_text(LAUNCHER.format(blocked={"sklearn", "prompt_toolkit"}) + SERVE)
    ran = subprocess.run(
        [sys.executable, str(launcher), *command], capture_output=True, text=True, env={"COLUMNS": "300"}
    )
    assert ran.returncode == 1 and f"pip install '{how}'" in ran.stderr and "Traceback" not in ran.stderr, ran.stderr
