"""Faults at start-up, while serving and at shutdown, through the real `qa` command: clear exits, rebuilds,
slow clients dropped, drains, no orphan build process."""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from qa.embedding import model_dir
from qa.engine import Engine
from qa.index import read_manifest, write_manifest
from qa.onnx_export import exported_model
from qa.settings import Settings
from tests.servers import Paths, Server, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def start_server(paths: Paths) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(*options: str) -> Server:
        servers.append(Server(paths, *options))
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
    build = paths.builds / old_build
    write_manifest(build, read_manifest(build).model_copy(update={field: "something else"}))
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


def overwrite_current(content: bytes) -> Callable[[Paths], str]:
    def damage(paths: Paths) -> str:
        (paths.index_dir / "CURRENT").write_bytes(content)
        return "does not hold a build name" if content.strip() else "is empty: it should name the live build"

    return damage


@pytest.mark.parametrize("content", [b"\x00\xff", b""], ids=["garbage-current", "empty-current"])
def test_an_unreadable_current_stops_start_up_with_one_line(paths: Paths, content: bytes) -> None:
    expected = overwrite_current(content)(paths)
    result = subprocess.run(
        paths.command("serve", "--port", str(free_port())), env=paths.env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 3
    # The port opened first (the index loads behind it), so the server's log lines come before the error line.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and expected in last and "Run `qa index build`." in last
    assert "Traceback" not in result.stderr + result.stdout


def test_half_sent_requests_are_closed_while_others_are_served(
    paths: Paths, start_server: Callable[[], Server]
) -> None:
    paths.env["QA_REQUEST_TIMEOUT_SECONDS"] = "3"
    server = start_server()
    server.wait_ready()
    started = time.monotonic()
    slow = []
    for i in range(50):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        # A third send nothing, a third stop inside the headers, a third inside the body.
        partial = [b"", b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Le", b"POST /v1/ask HTTP/1.1\r\n"]
        partial[2] += b'Host: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"quest'
        connection.sendall(partial[i % 3])
        slow.append(connection)
    served = [httpx.get(f"{server.url}/healthz", timeout=10).status_code for _ in range(5)]
    asked = httpx.post(f"{server.url}/v1/ask", json={"question": "What is immunotherapy?"}, timeout=60)
    assert served == [200] * 5 and asked.status_code == 200 and asked.json()["passages"]
    for connection in slow:
        connection.settimeout(max(0.1, started + 30 - time.monotonic()))
        with suppress(ConnectionResetError):  # a reset is a close too
            assert connection.recv(1024) == b""  # closed by the server, not by the timeout here
        connection.close()
    assert time.monotonic() - started < 30
    assert server.stop() == -signal.SIGTERM


def build_children(pid: int) -> list[int]:
    """The reindex child processes of `pid` (not multiprocessing's resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with suppress(OSError):
                if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(int(child))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_reindex(
    paths: Paths, start_server: Callable[[], Server]
) -> tuple[Server, int, ThreadPoolExecutor, Future[httpx.Response]]:
    """A server, the pid of the build process of the admin reindex it is running, and the reindex's response.

    Copies of the article are added to the corpus once the server serves, so the rebuild has
    about twenty times the article to encode: it is still running when the test acts on it
    (the article alone now builds in under two seconds, which a test could miss).
    """
    paths.env.update({"QA_ADMIN_TOKEN": "admin-token-for-tests", "QA_SHUTDOWN_GRACE_SECONDS": "2"})
    server = start_server()
    server.wait_ready()
    article = (paths.corpus / "acs-immunotherapy.txt").read_text(encoding="utf-8")
    for number in range(20):
        (paths.corpus / f"copy-{number}.txt").write_text(article, encoding="utf-8")
    pool = ThreadPoolExecutor(1)
    headers = {"Authorization": "Bearer admin-token-for-tests"}
    reindexing = pool.submit(httpx.post, f"{server.url}/v1/admin/reindex", headers=headers, timeout=600)
    deadline = time.monotonic() + 120
    while not (children := build_children(server.process.pid)):
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)
    return server, children[0], pool, reindexing


def test_a_reindex_child_dies_with_its_server(paths: Paths, start_server: Callable[[], Server]) -> None:
    previous = paths.live_build()
    server, child, pool, _ = start_reindex(paths, start_server)
    server.process.kill()
    server.process.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not alive(child), "the build process outlived the server"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
        pool.shutdown(wait=True)
    assert paths.live_build() == previous


def test_sigterm_cancels_a_running_reindex_and_the_old_build_serves_until_then(
    paths: Paths, start_server: Callable[[], Server]
) -> None:
    previous = paths.live_build()
    server, child, pool, reindexing = start_reindex(paths, start_server)
    answer = httpx.post(f"{server.url}/v1/ask", json={"question": "What is immunotherapy?"}, timeout=60)
    assert answer.json()["build_id"] == previous
    stopping = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == -signal.SIGTERM
    shutdown_seconds = time.monotonic() - stopping
    pool.shutdown(wait=True)
    deadline = time.monotonic() + 10  # killed at shutdown; its end is not instant on a loaded machine
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)
    assert paths.live_build() == previous
    assert "Cancelling the index rebuild" in server.output(), server.output()
    assert shutdown_seconds < 60
    # The caller hears why, in JSON; the log has no CancelledError traceback.
    cancelled = reindexing.result()
    assert cancelled.status_code == 503, cancelled.text
    assert cancelled.json()["code"] == "shutting_down"
    assert "Traceback" not in server.output() and "CancelledError" not in server.output(), server.output()


def test_a_damaged_model_is_exported_again_before_the_server_answers(
    paths: Paths, start_server: Callable[[], Server], settings: Settings, service: Engine
) -> None:
    source = exported_model(model_dir(settings), settings.model_cache_dir)
    private = paths.root / "models" / source.name
    shutil.copytree(source, private)
    with (private / "model.onnx").open("r+b") as model:
        model.seek(1 << 20)
        model.write(b"\x00" * 8192)
    paths.env["QA_MODEL_CACHE"] = str(private.parent)
    server = start_server()
    server.wait_ready()
    assert "model.onnx does not match its checksum" in server.output()
    question = "Can I take immunotherapy as a pill?"
    answer = httpx.post(f"{server.url}/v1/ask", json={"question": question}, timeout=60).json()
    assert answer["answered"]
    assert [p["id"] for p in answer["passages"]] == [p.id for p in service.answer(question).passages]
    assert server.stop() == -signal.SIGTERM
