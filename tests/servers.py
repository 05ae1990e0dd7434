"""`qa serve` in a subprocess, on a copy of the article and its index: what the slow tests drive."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

QA = Path(sys.executable).with_name("qa")


class Paths:
    """A corpus and an index folder of one test, and how to run `qa` on them."""

    def __init__(self, root: Path, model_cache: Path) -> None:
        self.root = root
        self.corpus = root / "corpus"
        self.index_dir = root / "index"
        # Wide COLUMNS: rich must not fold long paths in messages across lines.
        self.env = {**os.environ, "QA_MODEL_CACHE": str(model_cache), "COLUMNS": "1000"}

    def command(self, *args: str) -> list[str]:
        return [str(QA), *args, "--corpus", str(self.corpus), "--index-dir", str(self.index_dir)]

    @property
    def builds(self) -> Path:
        return self.index_dir / "builds"

    def live_build(self) -> str:
        return (self.index_dir / "CURRENT").read_text().strip()

    def staging_folders(self) -> list[Path]:
        return list(self.builds.glob(".tmp-*"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`qa serve` in a subprocess on a free loopback port, its stderr kept in a file."""

    def __init__(self, paths: Paths, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = paths.root / f"serve-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                paths.command("serve", "--port", str(self.port), *options), env=paths.env, stdout=log, stderr=log
            )

    def wait_ready(self) -> dict[str, object]:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                response = httpx.get(f"{self.url}/readyz", timeout=5)
                if response.status_code == 200:
                    ready: dict[str, object] = response.json()
                    return ready
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"not ready in time:\n{self.output()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=120)

    def output(self) -> str:
        return self.log.read_text()
