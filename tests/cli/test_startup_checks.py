"""A server with a bad setting does not start: exit code 2 and one clear line, never a traceback."""

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.embedding import model_dir
from qa.onnx_export import exported_model
from qa.settings import Settings
from tests.servers import Paths

QA = Path(sys.executable).with_name("qa")


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("QA_FRAME_ANCESTORS", '["https://a.example; script-src *"]', "invalid QA_FRAME_ANCESTORS"),
        ("QA_CORS_ORIGINS", '["https://a.example/path"]', "invalid QA_CORS_ORIGINS"),
        ("QA_RATE_LIMIT", "5/minit", "invalid QA_RATE_LIMIT"),
        ("QA_CORPUS", "/no/such/corpus", "Corpus not found at /no/such/corpus."),
        ("QA_CORS_ORIGINS", "not json", "cors_origins"),
    ],
)
def test_serve_refuses_a_bad_setting_with_one_line(name: str, value: str, said: str) -> None:
    env = {**os.environ, name: value}
    done = subprocess.run(
        [str(QA), "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2
    # A setting is refused before the port opens: one line. A missing corpus is found by the start-up
    # behind the open port, so the server's own log lines come first and the error line ends it.
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and said in lines[-1], done.stderr
    assert len(lines) == 1 or name == "QA_CORPUS", done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("QA_QUESTION_LANGUAGES", "[]", "invalid QA_QUESTION_LANGUAGES: name at least one language"),
        ("QA_QUESTION_LANGUAGES", '["en", "qq"]', "invalid QA_QUESTION_LANGUAGES: 'qq' is not a language code"),
        ("QA_DOCUMENT_LANGUAGE", "english", "invalid QA_DOCUMENT_LANGUAGE: 'english' is not a language code"),
        ("QA_RATE_LIMIT_STORAGE", "garbage://x", "invalid QA_RATE_LIMIT_STORAGE: 'garbage://x'"),
        ("QA_RATE_LIMIT", "0/minute", "invalid QA_RATE_LIMIT: '0/minute' lets no request through"),
        ("QA_REQUEST_TIMEOUT_SECONDS", "inf", "invalid QA_REQUEST_TIMEOUT_SECONDS: Input should be a finite number"),
        ("QA_ADMIN_TOKEN", "x", "QA_ADMIN_TOKEN has 1 characters, fewer than QA_ADMIN_TOKEN_MIN_CHARS (16)"),
        ("QA_REFUSAL_MODEL", "/nonexistent", "invalid QA_REFUSAL_MODEL: /nonexistent is not a file"),
        ("QA_REFUSAL_MODEL", "/etc/hostname", "invalid QA_REFUSAL_MODEL: /etc/hostname cannot be read"),
        ("QA_INDEX_DIR", "/etc/hostname/index", "invalid QA_INDEX_DIR: /etc/hostname/index cannot be made"),
    ],
)
def test_issue_27_settings_are_refused_with_one_line(name: str, value: str, said: str) -> None:
    done = subprocess.run(
        [str(QA), "serve", "--port", "0"],
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def _current_a_folder(paths: Paths) -> None:
    (paths.index_dir / "CURRENT").unlink()
    (paths.index_dir / "CURRENT").mkdir()


def _sidecar_says(paths: Paths, language: str) -> None:
    sidecar = paths.corpus / "acs-immunotherapy.meta.json"
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "language": language}))


def _index_dir_unwritable(paths: Paths) -> None:
    paths.env["QA_INDEX_DIR"] = "/proc/qa-index"  # not even root can make a folder there


# (what is done to the copy, the exit code, what the last line says)
BROKEN_STARTS: dict[str, tuple[Callable[[Paths], object], int, str]] = {
    "CURRENT is a folder": (_current_a_folder, 3, "CURRENT is not a file"),
    "sidecar language English": (
        lambda paths: _sidecar_says(paths, "English"),
        2,
        "language 'English' is not a language code",
    ),
    "language the detector does not know": (
        lambda paths: paths.env.update(QA_QUESTION_LANGUAGES='["en", "fil"]'),
        2,
        "invalid QA_QUESTION_LANGUAGES: the language detector does not know fil",
    ),
    "unwritable QA_INDEX_DIR": (_index_dir_unwritable, 2, "invalid QA_INDEX_DIR: an index must be built in"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BROKEN_STARTS))
def test_a_broken_start_ends_with_one_line_and_its_exit_code(paths: Paths, case: str) -> None:
    """Found behind the open port: the server's log lines come first, the error line ends it."""
    damage, code, said = BROKEN_STARTS[case]
    damage(paths)
    command = paths.command("serve", "--port", "0")
    if "QA_INDEX_DIR" in paths.env:
        command = command[: command.index("--index-dir")]
    done = subprocess.run(command, env=paths.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == code, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and said in last, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_that_fails_its_self_test_stops_every_worker_once_with_exit_6(paths: Paths, workers: int) -> None:
    """The English article said to be French is built, and fails the self-test in every worker: `qa serve` stops
    with the self-test's exit code and one line, and no worker is started again (uvicorn's supervisor restarts
    a worker that dies, but stops them all on a start-up failure)."""
    _sidecar_says(paths, "fr")
    command = paths.command("serve", "--port", "0", "--workers", str(workers))
    done = subprocess.run(command, env=paths.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 6, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: The build's own sentences are not answered"), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.count("Started server process") == workers, done.stderr


@pytest.mark.slow
def test_a_damaged_int8_model_on_a_read_only_index_is_one_line(paths: Paths, settings: Settings) -> None:
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False).returncode:
        pytest.skip("needs `unshare -rm` (user and mount namespaces) for a read-only bind mount")
    export = exported_model(model_dir(settings), settings.model_cache_dir)
    copy = paths.index_dir / "models" / export.name
    shutil.copytree(export, copy)
    with (copy / "model-int8.onnx").open("r+b") as model:
        model.seek(1 << 16)
        model.write(b"\x00" * 4096)
    del paths.env["QA_MODEL_CACHE"]  # the index's own models/ folder
    serve = shlex.join(paths.command("serve", "--port", "0"))
    read_only = f"mount -o bind,ro {shlex.quote(str(paths.index_dir))} {shlex.quote(str(paths.index_dir))}"
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"{read_only} && exec {serve}"],
        env=paths.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: invalid QA_MODEL_CACHE:") and "cannot be written" in last, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
def test_an_address_in_use_has_its_own_exit_code(paths: Paths) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        command = paths.command("serve", "--port", str(port))
        done = subprocess.run(command, env=paths.env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 5, done.stderr
    assert (
        done.stderr.strip()
        == f"error: 127.0.0.1:{port} is already in use: another server (or an orphaned worker) has it."
    )
