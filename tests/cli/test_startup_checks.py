"""A server with a bad setting does not start: exit code 2 and one clear line, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
