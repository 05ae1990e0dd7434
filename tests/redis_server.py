"""Debian's redis-server on a free loopback port for one test module, nothing saved to disk."""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bench.http_load import free_port


@dataclass(frozen=True)
class RedisServer:
    """A running redis-server: its URL, and its process (to pause it with SIGSTOP)."""

    url: str
    process: "subprocess.Popen[bytes]"


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    """Start redis-server in `folder` (skip the test if it is not installed); stop it on exit."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    command = [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield RedisServer(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
