"""Benchmark live `qa serve` processes on loopback: cold start, a bounded load, peak memory."""

import asyncio
import itertools
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import httpx
import numpy as np

from qa.settings import Settings

_READY_TIMEOUT = 600.0  # generous: on a busy 2-core machine a torch server took over 180 s
_REQUEST_TIMEOUT = 30.0
_WARMUP = 20
_WARMUP_CONNECTIONS = 8


@dataclass(frozen=True)
class Server:
    """A running `qa serve` process and how long it took to answer /readyz with 200."""

    url: str
    process: "subprocess.Popen[bytes]"
    cold_start_s: float

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the server and its worker processes have used so far."""
        total = 0
        for pid in _process_tree(self.process.pid):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The high-water resident memory so far (Linux VmHWM), added up over the server's processes."""
        total_kb = 0
        for pid in _process_tree(self.process.pid):
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            peaks = [int(line.split()[1]) for line in status if line.startswith("VmHWM:")]
            if not peaks:
                raise RuntimeError("VmHWM is missing from /proc: peak RSS needs Linux.")
            total_kb += peaks[0]
        return total_kb / 1024


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc/<pid>/task/<tid>/children)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            pending.extend(int(child) for child in (task / "children").read_text().split())
    return found


@dataclass(frozen=True)
class LoadResult:
    """What one bounded load run saw: latency of successful requests, throughput, errors."""

    concurrency: int
    sent: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_s: float = math.nan
    client_cpu_s: float = math.nan

    @property
    def throughput(self) -> float:
        """Successful answers per second of wall time."""
        return (self.sent - self.errors) / self.seconds if self.seconds > 0 else 0.0

    @property
    def server_cpu_ms(self) -> float:
        """The server's CPU time per request answered: what bounds its throughput on this machine."""
        answered = self.sent - self.errors
        return self.server_cpu_s * 1000 / answered if answered else math.nan

    @property
    def client_cpu_ms(self) -> float:
        """The load generator's CPU time per request sent, taken from the same cores."""
        return self.client_cpu_s * 1000 / self.sent if self.sent else math.nan


@dataclass(frozen=True)
class ServerRun:
    """One server's figures: cold start, peak memory and a load result per (mode, concurrency)."""

    cold_start_s: float
    peak_rss_mb: float
    loads: dict[tuple[str, int], LoadResult]


def cycled(questions: list[str], count: int) -> list[str]:
    """The first `count` of the questions asked in turn, over and over."""
    return list(itertools.islice(itertools.cycle(questions), count))


@dataclass(frozen=True)
class Workload:
    """Questions asked in turn, over and over; if `unique`, each request numbered (with `tag`) so none repeats."""

    questions: list[str]
    unique: bool
    tag: str

    def first(self, count: int) -> list[str]:
        """The first `count` requests' questions."""
        asked = cycled(self.questions, count)
        if not self.unique:
            return asked
        return [f"{question} ({self.tag}-{number})" for number, question in enumerate(asked, 1)]


class LoadGenerator(Protocol):
    """Something that loads a server with a workload at a concurrency and says what it saw."""

    @property
    def name(self) -> str: ...

    def run(self, url: str, workload: Workload, concurrency: int) -> LoadResult: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class PythonLoad:
    """asyncio httpx clients in this process: `requests` questions, each sent once, up to a time cap."""

    requests: int
    time_cap_s: float
    name: str = "python"

    def run(self, url: str, workload: Workload, concurrency: int) -> LoadResult:
        began = time.process_time()
        result = run_load(url, workload.first(self.requests), concurrency, self.time_cap_s)
        return replace(result, client_cpu_s=time.process_time() - began)

    def describe(self) -> str:
        return (
            f"the Python generator, {self.requests} requests per run (at most {self.time_cap_s:g} s), one asyncio"
            " httpx client (one keep-alive connection) per concurrent worker"
        )


def measure_server(
    starting: AbstractContextManager[Server],
    workloads: dict[tuple[str, int], Workload],
    generator: LoadGenerator,
) -> ServerRun:
    """Start a server, warm it once per mode (a few untimed questions), run every workload, stop it."""
    loads: dict[tuple[str, int], LoadResult] = {}
    warmed: set[str] = set()
    with starting as server:
        for (mode, concurrency), workload in workloads.items():
            if mode not in warmed:  # the encoder's first calls; for repeated questions, fills the cache
                warmup = replace(workload, tag=f"warmup-{workload.tag}").first(min(len(workload.questions), _WARMUP))
                # Several connections, so that with --workers N every worker process gets some (the
                # kernel hands each connection to one of them); one connection warmed only one.
                run_load(server.url, warmup, _WARMUP_CONNECTIONS, _READY_TIMEOUT)
                warmed.add(mode)
            server_began = server.cpu_seconds()
            result = generator.run(server.url, workload, concurrency)
            loads[(mode, concurrency)] = replace(result, server_cpu_s=server.cpu_seconds() - server_began)
        return ServerRun(server.cold_start_s, server.peak_rss_mb(), loads)


def running_server(
    settings: Settings, overrides: dict[str, str], log_file: Path, options: Sequence[str] = ()
) -> AbstractContextManager[Server]:
    """Start `qa serve [options]` on a free loopback port for the settings' built index; stop it on exit."""
    # `python -c` runs the `qa` console script's own entry point with this interpreter.
    command = [sys.executable, "-c", "from cli.main import app; app()", "serve", "--host", "127.0.0.1"]
    return started_server(command, _environment(settings, overrides), log_file, options)


def naive_server(settings: Settings, log_file: Path) -> AbstractContextManager[Server]:
    """The fair naive baseline (bench.naive_server) under uvicorn, one process, on the settings' article."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.naive_server:create_app", "--host", "127.0.0.1"]
    return started_server(command, _environment(settings, {}), log_file, ("--log-level", "warning"))


def _environment(settings: Settings, overrides: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "QA_CORPUS": str(settings.corpus),
        "QA_INDEX_DIR": str(settings.index_dir),
        "QA_MODEL_CACHE": str(settings.model_cache_dir),
        **overrides,
    }


@contextmanager
def started_server(
    command: list[str], env: dict[str, str], log_file: Path, options: Sequence[str] = ()
) -> Iterator[Server]:
    """Run `command --port PORT [options]` on a free loopback port until /readyz says 200; stop it on exit."""
    port = free_port()
    started = time.perf_counter()
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port), *options], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        yield Server(url, process, _wait_ready(url, process, started, log_file))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, process: "subprocess.Popen[bytes]", started: float, log_file: Path) -> float:
    """Seconds from process start to the first 200 from /readyz."""
    with httpx.Client(base_url=url, timeout=2.0) as client:
        while time.perf_counter() - started < _READY_TIMEOUT:
            if process.poll() is not None:
                break
            try:
                if client.get("/readyz").status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    tail = log_file.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"The server did not become ready (exit code {process.poll()}). Its log ends:\n{tail}")


def run_load(url: str, questions: list[str], concurrency: int, time_cap_s: float) -> LoadResult:
    """POST each question to /v1/ask with at most `concurrency` in flight, stopping early at the time cap."""
    return asyncio.run(_load(url, questions, concurrency, time_cap_s))


async def _load(url: str, questions: list[str], concurrency: int, time_cap_s: float) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    pending = iter(questions)  # shared by the workers: each question is sent once
    started = time.perf_counter()
    deadline = started + time_cap_s

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for question in pending:
            if time.perf_counter() > deadline:
                return
            begin = time.perf_counter()
            try:
                response = await client.post("/v1/ask", json={"question": question})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - begin) * 1000)
            else:
                errors += 1

    # One client (one keep-alive connection) per worker, like separate visitors: a single
    # client's pool shared by 32 workers cost 5.1 ms of CPU per request and put 0.7 s on
    # the p99 of cache hits at concurrency 32 (2.2 ms and 91 ms with a client each).
    clients = [httpx.AsyncClient(base_url=url, timeout=_REQUEST_TIMEOUT) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(worker(client) for client in clients))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    seconds = time.perf_counter() - started
    p50, p99 = np.percentile(latencies, [50, 99]) if latencies else (float("nan"), float("nan"))
    return LoadResult(concurrency, len(latencies) + errors, errors, seconds, float(p50), float(p99))
