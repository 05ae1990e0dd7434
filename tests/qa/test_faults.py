"""Faults at start-up and shutdown, through the real `qa` command: clear exits, rebuilds, drains."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from qa.index import Index
from qa.settings import Settings
from tests.conftest import CORPUS

QA = Path(sys.executable).with_name("qa")
pytestmark = pytest.mark.slow


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


@pytest.fixture
def paths(tmp_path: Path, settings: Settings, index: Index) -> Paths:
    """A copy of the corpus and of its built index."""
    paths = Paths(tmp_path, settings.model_cache_dir)
    shutil.copytree(CORPUS, paths.corpus)
    shutil.copytree(settings.index_dir, paths.index_dir)
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`qa serve` in a subprocess on a free loopback port, its stderr kept in a file."""

    def __init__(self, paths: Paths) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = paths.root / f"serve-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                paths.command("serve", "--port", str(self.port)), env=paths.env, stdout=log, stderr=log
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


@pytest.fixture
def start_server(paths: Paths) -> Iterator[Callable[[], Server]]:
    servers: list[Server] = []

    def start() -> Server:
        servers.append(Server(paths))
        return servers[-1]

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def corrupt_dense_index(paths: Paths) -> str:
    dense = paths.builds / paths.live_build() / "dense.faiss"
    data = bytearray(dense.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dense.write_bytes(bytes(data))
    return str(dense)


def truncate_manifest(paths: Paths) -> str:
    manifest = paths.builds / paths.live_build() / "manifest.json"
    manifest.write_text(manifest.read_text()[:100])
    return f"The index manifest in {manifest.parent} is unreadable"


def point_at_a_missing_build(paths: Paths) -> str:
    (paths.index_dir / "CURRENT").write_text("20990101T000000000000Z")
    return "names a build that does not exist (20990101T000000000000Z)"


def remove_corpus(paths: Paths) -> str:
    shutil.rmtree(paths.corpus)
    return f"Corpus not found at {paths.corpus}. Set QA_CORPUS or pass --corpus."


@pytest.mark.parametrize(
    ("damage", "exit_code", "fix"),
    [
        (corrupt_dense_index, 3, "Run `qa index build`."),
        (truncate_manifest, 3, "Run `qa index build`."),
        (point_at_a_missing_build, 3, "Run `qa index build`."),
        (remove_corpus, 2, "pass --corpus"),
    ],
    ids=["corrupt-dense-index", "truncated-manifest", "missing-build", "missing-corpus"],
)
def test_a_broken_index_or_corpus_stops_start_up_with_a_clear_message(
    paths: Paths, damage: Callable[[Paths], str], exit_code: int, fix: str
) -> None:
    expected = damage(paths)
    result = subprocess.run(
        paths.command("serve", "--port", str(free_port())), env=paths.env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == exit_code, result.stderr
    assert expected in result.stderr
    assert fix in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("field", ["corpus_fingerprint", "model"], ids=["another-corpus", "another-model"])
def test_a_manifest_of_another_corpus_or_model_is_rebuilt_and_served(
    paths: Paths, start_server: Callable[[], Server], field: str
) -> None:
    old_build = paths.live_build()
    manifest = paths.builds / old_build / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), field: "something else"}))
    server = start_server()
    ready = server.wait_ready()
    assert ready["status"] == "ready" and ready["build_id"] == paths.live_build() != old_build
    assert f"The index is out of date ({field} changed). Building a new index in {paths.index_dir}." in server.output()
    assert server.stop() == -signal.SIGTERM


def kill_build_midway(paths: Paths) -> None:
    """Start `qa index build` and kill -9 it once its staging folder exists."""
    build = subprocess.Popen(
        paths.command("index", "build"), env=paths.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not paths.staging_folders():
            assert build.poll() is None, "the build ended before it could be killed"
            time.sleep(0.01)
    finally:
        build.kill()
        build.wait()


def test_a_build_killed_midway_leaves_the_previous_build_serving(
    paths: Paths, start_server: Callable[[], Server]
) -> None:
    previous = paths.live_build()
    kill_build_midway(paths)
    assert paths.staging_folders() and paths.live_build() == previous
    server = start_server()
    assert server.wait_ready()["build_id"] == previous
    assert server.stop() == -signal.SIGTERM
    subprocess.run(paths.command("index", "build"), env=paths.env, check=True, capture_output=True, timeout=300)
    assert paths.live_build() != previous
    assert not paths.staging_folders()  # the abandoned folder was cleaned up by the next build


def test_a_first_build_killed_midway_is_built_again_at_start_up(
    paths: Paths, start_server: Callable[[], Server]
) -> None:
    shutil.rmtree(paths.index_dir)
    kill_build_midway(paths)
    assert paths.staging_folders() and not (paths.index_dir / "CURRENT").exists()
    server = start_server()
    assert server.wait_ready()["build_id"] == paths.live_build()
    assert "No index has been built" in server.output()
    assert not paths.staging_folders()
    assert server.stop() == -signal.SIGTERM


def test_a_first_start_opens_the_port_at_once_and_says_it_is_building(
    paths: Paths, start_server: Callable[[], Server]
) -> None:
    shutil.rmtree(paths.index_dir)
    started = time.monotonic()
    server = start_server()
    while True:
        assert server.process.poll() is None, server.output()
        try:
            health, ready = httpx.get(f"{server.url}/healthz"), httpx.get(f"{server.url}/readyz")
            break
        except httpx.TransportError:
            time.sleep(0.02)
    # A figure, not an assertion (the machine's load decides it): how long the port took to open.
    print(f"/healthz answered {time.monotonic() - started:.2f} s after start; load average {os.getloadavg()[0]:.1f}")
    assert health.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["detail"].startswith("Starting up:")
    seen = [ready.json()["status"]]  # "loading" while the corpus is read, then "building"
    while ready.status_code == 503:
        assert server.process.poll() is None, server.output()
        ready = httpx.get(f"{server.url}/readyz")
        seen += [ready.json()["status"]] if ready.json()["status"] != seen[-1] else []
        time.sleep(0.05)
    assert seen[-3:] == ["building", "loading", "ready"], seen
    assert ready.json()["build_id"] == paths.live_build()
    assert server.stop() == -signal.SIGTERM


def test_sigterm_lets_requests_in_flight_finish(paths: Paths, start_server: Callable[[], Server]) -> None:
    server = start_server()
    server.wait_ready()
    body = json.dumps({"question": "What is immunotherapy?", "top_k": 3}).encode()
    sent_head = [threading.Event() for _ in range(8)]
    release = threading.Event()

    def held_body(started: threading.Event) -> Iterator[bytes]:
        # The first bytes go out, then the request waits, in flight, until released.
        yield body[:10]
        started.set()
        release.wait(timeout=120)
        yield body[10:]

    def ask(started: threading.Event) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        return httpx.post(f"{server.url}/v1/ask", content=held_body(started), headers=headers, timeout=120)

    with ThreadPoolExecutor(len(sent_head)) as pool:
        requests = [pool.submit(ask, started) for started in sent_head]
        try:
            assert all(started.wait(timeout=60) for started in sent_head)
            server.process.send_signal(signal.SIGTERM)
            wait_until_refused(server.port)  # shutdown has begun: no new connections
        finally:
            release.set()
        responses = [request.result() for request in requests]
    assert [r.status_code for r in responses] == [200] * len(sent_head)
    assert all(r.json()["passages"] for r in responses)
    # uvicorn re-raises the SIGTERM it caught once shutdown is complete.
    assert server.process.wait(timeout=120) == -signal.SIGTERM
    output = server.output()
    assert "Application shutdown complete." in output and "Traceback" not in output


def wait_until_refused(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.02)
    raise AssertionError("the server kept accepting connections after SIGTERM")
