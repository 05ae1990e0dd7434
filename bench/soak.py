"""A bounded soak of `qa serve` on loopback: many questions with a reindex midway; errors, latency, memory.

    /work/venv/bin/python bench/soak.py --requests 20000 --concurrency 32

Starts its own server (with a one-off admin token) on a free loopback port, asks the
questions of eval/immunotherapy.jsonl in turn with top_k cycling 1-10 (so that answers are
not all served from the cache), calls POST /v1/admin/reindex when half the questions have
been sent, and prints the figures. Exits 1 on any failed request or on resident memory
growing 10 % or more from the first to the last 1,000 requests.
"""

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.http_load import running_server
from qa.settings import PROJECT_ROOT, Settings

SAMPLE_EVERY = 100  # requests between two readings of the server's resident memory
WINDOW = 1000  # requests at the start and at the end whose memory is compared
MAX_GROWTH_PERCENT = 10.0


@dataclass
class Soak:
    """What one run saw, filled in as requests complete."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_mb: list[tuple[int, float]] = field(default_factory=list)  # (requests done, MB)
    builds: list[tuple[int, str]] = field(default_factory=list)  # (requests done, build id /readyz named)
    reindex: str = "not triggered"
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies_ms)

    def memory_growth(self) -> tuple[float, float, float]:
        """Mean RSS over the first and the last WINDOW requests, and the growth in percent."""
        first = [mb for done, mb in self.rss_mb if done <= WINDOW]
        last = [mb for done, mb in self.rss_mb if done > self.done - WINDOW]
        start, end = statistics.fmean(first or [0.0]), statistics.fmean(last or [0.0])
        return start, end, (end - start) / start * 100 if start else 0.0


def rss_mb(pid: int) -> float:
    """The server's resident memory now (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS is missing from /proc: the soak needs Linux.")


def load_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def ask(client: httpx.AsyncClient, questions: list[str], number: int, soak: Soak) -> None:
    body = {"question": questions[number % len(questions)], "top_k": 1 + (number // len(questions)) % 10}
    begin = time.perf_counter()
    try:
        response = await client.post("/v1/ask", json=body)
        if response.status_code != 200:
            soak.errors.append(f"HTTP {response.status_code} {response.headers.get('content-type')}")
    except httpx.HTTPError as error:
        soak.errors.append(f"{type(error).__name__}: {error}")
    soak.latencies_ms.append((time.perf_counter() - begin) * 1000)


async def reindex(client: httpx.AsyncClient, token: str, soak: Soak) -> None:
    started_at, begin = soak.done, time.perf_counter()
    response = await client.post("/v1/admin/reindex", headers={"Authorization": f"Bearer {token}"}, timeout=600)
    during = soak.done - started_at
    if response.status_code != 200:
        soak.errors.append(f"reindex: HTTP {response.status_code} {response.text[:200]}")
        soak.reindex = f"failed after {time.perf_counter() - begin:.1f} s"
        return
    body: dict[str, Any] = response.json()
    soak.reindex = (
        f"{body['previous_build_id']} -> {body['build_id']} after request {started_at}; "
        f"{time.perf_counter() - begin:.1f} s, {during} questions answered meanwhile"
    )


async def watch_builds(client: httpx.AsyncClient, soak: Soak) -> None:
    """Note each build id /readyz names, and after how many requests it first did."""
    while True:
        build_id = (await client.get("/readyz")).json().get("build_id")
        if not soak.builds or soak.builds[-1][1] != build_id:
            soak.builds.append((soak.done, build_id))
        await asyncio.sleep(0.5)


async def soak_server(url: str, pid: int, token: str, questions: list[str], args: argparse.Namespace) -> Soak:
    soak = Soak()
    sent = 0
    started = time.perf_counter()
    deadline = started + args.time_cap
    tasks: list[asyncio.Task[None]] = []
    # Each worker has its own client (one keep-alive connection), like separate visitors; one
    # pool shared by every worker was itself the bottleneck at concurrency 32 (see qa/bench_http.py).
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(args.concurrency)]
    async with httpx.AsyncClient(base_url=url, timeout=60) as control:
        watcher = asyncio.create_task(watch_builds(control, soak))

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal sent
            while sent < args.requests and time.perf_counter() < deadline:
                number, sent = sent, sent + 1
                if number == args.requests // 2:
                    tasks.append(asyncio.create_task(reindex(control, token, soak)))
                await ask(client, questions, number, soak)
                if soak.done % SAMPLE_EVERY == 0:
                    soak.rss_mb.append((soak.done, rss_mb(pid)))

        try:
            await asyncio.gather(*(worker(client) for client in clients))
            await asyncio.gather(*tasks)
        finally:
            await asyncio.gather(*(client.aclose() for client in clients))
        soak.seconds = time.perf_counter() - started
        watcher.cancel()
        soak.rss_mb.append((soak.done, rss_mb(pid)))
    return soak


def report(soak: Soak, cold_start_s: float) -> bool:
    """Print the figures; True when there were no errors and memory stayed within bounds."""
    percentiles = statistics.quantiles(soak.latencies_ms, n=100) if soak.done > 1 else [0.0] * 99
    p50, p99 = percentiles[49], percentiles[98]
    start, end, growth = soak.memory_growth()
    print(f"server ready in      {cold_start_s:.1f} s")
    print(f"requests             {soak.done} in {soak.seconds:.1f} s: {soak.done / soak.seconds:.1f} per second")
    print(f"errors               {len(soak.errors)}" + "".join(f"\n  {e}" for e in soak.errors[:5]))
    print(f"latency              p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"resident memory      first {WINDOW}: {start:.1f} MB, last {WINDOW}: {end:.1f} MB, growth {growth:+.1f} %")
    print("builds serving       " + ", ".join(f"{build} (from request {done})" for done, build in soak.builds))
    print(f"reindex              {soak.reindex}")
    return not soak.errors and growth < MAX_GROWTH_PERCENT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20000, help="questions to ask in all")
    parser.add_argument("--concurrency", type=int, default=32, help="questions in flight at once")
    parser.add_argument("--time-cap", type=float, default=900, help="stop sending after this many seconds")
    parser.add_argument("--questions", type=Path, default=PROJECT_ROOT / "eval" / "immunotherapy.jsonl")
    parser.add_argument("--corpus", type=Path, help="corpus to serve (default: the settings')")
    parser.add_argument("--index-dir", type=Path, help="index folder to serve and rebuild (default: the settings')")
    args = parser.parse_args()
    paths = {"corpus": args.corpus, "index_dir": args.index_dir}
    settings = Settings(**{name: path.resolve() for name, path in paths.items() if path})
    token = secrets.token_urlsafe(32)
    log_file = Path(tempfile.mkstemp(prefix="soak-server-", suffix=".log")[1])
    print(f"server log           {log_file}")
    with running_server(settings, {"QA_ADMIN_TOKEN": token}, log_file) as server:
        soak = asyncio.run(soak_server(server.url, server.process.pid, token, load_questions(args.questions), args))
    return 0 if report(soak, server.cold_start_s) else 1


if __name__ == "__main__":
    raise SystemExit(main())
