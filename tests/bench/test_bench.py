"""The benchmark: ratios and targets from figures, a tiny in-process run, and `qa bench` end to end."""

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from bench import http_load
from bench.http_load import Server, Workload
from bench.perf import (
    FLOOR,
    IN_PROCESS,
    QUESTIONS_FILE,
    STARTUP,
    TARGETS,
    Figure,
    Report,
    http_section,
    load_questions,
    measure_in_process,
    parse_levels,
)
from bench.wrk import WrkLoad, find_wrk
from cli.main import app
from qa.embedding import model_dir
from qa.engine import load_engine
from qa.index import Index
from qa.settings import Settings
from qa.torch_encoder import TorchEncoder


@pytest.mark.parametrize(
    ("value", "baseline", "lower_is_better", "ratio"),
    [
        (2.0, 6.0, True, 3.0),  # latency: a third of the baseline's is 3x better
        (6.0, 2.0, True, 1 / 3),
        (300.0, 50.0, False, 6.0),  # throughput: six times the baseline's
        (0.0, 0.0, True, None),  # zero errors on both sides: no ratio
        (5.0, None, True, None),
        (math.nan, 3.0, True, None),  # every request failed: no latency to compare
    ],
)
def test_ratio_is_how_many_times_better(
    value: float, baseline: float | None, lower_is_better: bool, ratio: float | None
) -> None:
    figure = Figure("s", "m", "ms", value, baseline, lower_is_better)
    assert figure.ratio == (None if ratio is None else pytest.approx(ratio))


@pytest.mark.parametrize(("text", "levels"), [("1,8,32", (1, 8, 32)), (" 4 ", (4,)), ("2, 16,", (2, 16))])
def test_parse_levels(text: str, levels: tuple[int, ...]) -> None:
    assert parse_levels(text) == levels


@pytest.mark.parametrize("text", ["", "0", "1,-8", "one"])
def test_parse_levels_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_levels(text)


def test_targets_are_checked_on_their_figures() -> None:
    c32 = http_section("unique", 32)
    report = Report(
        machine={},
        figures=[
            Figure(IN_PROCESS, "full answer p50", "ms", 4.0, 16.0),
            Figure(c32, "throughput", "q/s", 450.0, 150.0, lower_is_better=False),
            Figure(c32, "p99", "ms", 251.0, 900.0),
            Figure(c32, "errors", "errors", 0, 3),
            Figure(FLOOR, "float server CPU / encoder CPU", "x", 1.7, None),
        ],
    )
    assert dict(report.targets()) == {
        "in-process p50 at least 3x faster than the baseline": True,
        "HTTP c=32 p99 250 ms or less": False,
        "HTTP c=32 at least 3x the naive server's throughput": True,  # 3x
        "HTTP c=32 zero errors": True,
        "server CPU per answered request at most 1.6x the encoder's own (c=32, float)": False,
        "cold start to /readyz in 5 s or less": None,
    }


def test_questions_come_from_the_evaluation_set() -> None:
    questions = load_questions(QUESTIONS_FILE)
    assert len(questions) == sum(1 for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())
    assert all(q.strip() for q in questions)


def test_in_process_figures_pair_each_path_with_the_baseline(settings: Settings, index: Index) -> None:
    service = load_engine(settings.model_copy(update={"cache_size": 0}), index)
    figures = measure_in_process(service, TorchEncoder(model_dir(settings)), load_questions(QUESTIONS_FILE)[:3])
    cores = os.cpu_count() or 1
    latency = [f"{path} p{q}" for path in ("encoder", "encode+search", "full answer") for q in (50, 95)]
    cpu = [
        f"{path} {measure}"
        for path in ("encoder", "full answer")
        for measure in ("CPU per question", f"ceiling on {cores} cores")
    ]
    assert [f.name for f in figures] == latency + cpu
    assert all(f.section == IN_PROCESS for f in figures)
    assert all(f.value > 0 and f.baseline and f.baseline > 0 for f in figures)
    assert all(
        f.ratio == pytest.approx(f.baseline / f.value if f.lower_is_better else f.value / f.baseline)
        for f in figures
        if f.baseline
    )
    by_name = {f.name: f for f in figures}
    # 'full answer' is compared with the same baseline figure as 'encode+search'.
    assert by_name["full answer p50"].baseline == by_name["encode+search p50"].baseline
    # A ceiling is the cores' CPU time divided by one question's.
    for path in ("encoder", "full answer"):
        ceiling, per_question = by_name[f"{path} ceiling on {cores} cores"], by_name[f"{path} CPU per question"]
        assert (ceiling.unit, per_question.unit) == ("q/s", "ms") and not ceiling.lower_is_better
        assert ceiling.value == pytest.approx(cores * 1000 / per_question.value)
        assert ceiling.ratio == pytest.approx(per_question.ratio)


def test_cli_refuses_bad_concurrency() -> None:
    result = CliRunner().invoke(app, ["bench", "--concurrency", "0,8"])
    assert result.exit_code == 2
    assert "--concurrency" in result.output


@pytest.mark.slow
def test_bench_end_to_end(settings: Settings, index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny counts, both servers started and stopped: the report has every figure, each with its baseline."""
    monkeypatch.setenv("QA_MODEL_CACHE", str(settings.model_cache_dir))
    args = [
        "bench",
        "--json",
        "--questions",
        "2",
        "--requests",
        "4",
        "--concurrency",
        "1,2",
        "--time-cap",
        "30",
        "--load-generator",
        "python",
        "--corpus",
        str(settings.corpus),
        "--index-dir",
        str(settings.index_dir),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)

    sections = {(f["section"], f["name"]): f for f in report["figures"]}
    for mode in ("unique", "repeated"):
        for level in (1, 2):
            section = http_section(mode, level)
            measures = {"p50", "p99", "throughput", "errors", "server CPU per answered request"}
            measures.add("load generator CPU per request")
            # The default (float) encoder's figures, and int8's beside them: each with the naive server's.
            assert {name for s, name in sections if s == section} == measures | {f"int8 {m}" for m in measures}
            assert sections[(section, "errors")]["value"] == 0  # the fast server answered every request
            assert sections[(section, "int8 errors")]["value"] == 0
            server_cpu = sections[(section, "server CPU per answered request")]
            assert server_cpu["value"] >= 0 and server_cpu["baseline"] >= 0
            assert sections[(section, "load generator CPU per request")]["value"] > 0
            if mode == "unique":
                # Encoding takes milliseconds of CPU (the kernel counts in 10 ms ticks, so four
                # cache hits may read 0): a zero here would mean the wrong process was read.
                assert server_cpu["value"] > 0 and server_cpu["baseline"] > 0
    for name in ("cold start to /readyz", "server peak RSS", "int8 cold start to /readyz", "index build"):
        figure = sections[(STARTUP, name)]
        assert figure["value"] > 0 and figure["baseline"] > 0
    for mode in ("float", "int8"):
        encoder = sections[(FLOOR, f"{mode} encoder CPU per question")]["value"]
        served = sections[(FLOOR, f"{mode} server CPU per answered request, c=2")]["value"]
        assert encoder > 0 and served > 0
        assert sections[(FLOOR, f"{mode} server CPU / encoder CPU")]["value"] == pytest.approx(served / encoder)
    assert set(report["machine"]["cpu"]) == {"avx2", "avx512", "vnni"}
    for figure in report["figures"]:
        if figure["ratio"] is not None:
            expected = (
                figure["baseline"] / figure["value"]
                if figure["lower_is_better"]
                else figure["value"] / figure["baseline"]
            )
            assert figure["ratio"] == pytest.approx(expected)
    targets = {t["target"]: t["met"] for t in report["targets"]}
    assert len(targets) == len(TARGETS)
    assert targets["HTTP c=32 zero errors"] is None  # c=32 was not run
    assert isinstance(targets["cold start to /readyz in 5 s or less"], bool)
    assert report["machine"]["cpus"] >= 1 and report["machine"]["packages"]["torch"].startswith("2.13")


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with 200 and keeps its body."""

    bodies: ClassVar[list[bytes]] = []
    delay_s: ClassVar[float] = 0.0

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(self.delay_s)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        return


class _QuietServer(ThreadingHTTPServer):
    """Says nothing when wrk hangs up before a delayed response is written: wrk stops on time, not on answers."""

    def handle_error(self, request: object, client_address: object) -> None:
        return


@pytest.fixture
def recorder() -> Iterator[str]:
    """A loopback HTTP server that records the bodies posted to it."""
    _Recorder.bodies, _Recorder.delay_s = [], 0.0
    server = _QuietServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


WRK = find_wrk()
needs_wrk = pytest.mark.skipif(WRK is None, reason="wrk is not installed (.ci/run installs it)")
ODD = ['What is "CAR T" \\ immunotherapy?', "Qu'est-ce que l'immunothérapie ?"]


@needs_wrk
@pytest.mark.parametrize("unique", [True, False])
def test_wrk_posts_the_questions_as_json(recorder: str, unique: bool) -> None:
    """The Lua script's bodies are valid JSON; unique questions never repeat, repeated ones cycle."""
    assert WRK is not None
    result = WrkLoad(WRK, 1).run(recorder, Workload(ODD, unique, "c2"), 2)
    questions = [json.loads(body)["question"] for body in _Recorder.bodies]
    assert result.errors == 0 and result.sent >= len(questions) - 2 > 10  # wrk may not count the last replies
    assert all(any(q.startswith(odd) for odd in ODD) for q in questions)
    if unique:
        assert len(set(questions)) == len(questions)
        assert all(q.endswith(")") and "(c2-" in q for q in questions)
    else:
        assert set(questions) == set(ODD)
    assert result.client_cpu_s > 0 and result.p50_ms > 0


@needs_wrk
def test_wrk_reports_no_latency_when_nothing_was_answered(recorder: str) -> None:
    """A server slower than the run: no answers, so no latency (not 0 ms) and no throughput."""
    assert WRK is not None
    _Recorder.delay_s = 3.0
    result = WrkLoad(WRK, 1).run(recorder, Workload(ODD, True, "c1"), 1)
    assert result.sent == 0 and result.throughput == 0
    assert math.isnan(result.p50_ms) and math.isnan(result.p99_ms)


def test_the_python_generator_numbers_unique_questions() -> None:
    workload = Workload(["a?", "b?"], True, "c8")
    assert workload.first(3) == ["a? (c8-1)", "b? (c8-2)", "a? (c8-3)"]
    assert Workload(["a?", "b?"], False, "c8").first(3) == ["a?", "b?", "a?"]


@needs_wrk
@pytest.mark.slow
def test_bench_with_wrk_measures_both_servers(
    settings: Settings, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`qa bench` uses wrk when it is installed and says so; both servers are loaded, neither fails a request."""
    monkeypatch.setenv("QA_MODEL_CACHE", str(settings.model_cache_dir))
    args = ["bench", "--json", "--questions", "2", "--concurrency", "2", "--wrk-seconds", "1"]
    args += ["--corpus", str(settings.corpus), "--index-dir", str(settings.index_dir)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["machine"]["load_generator"].startswith("wrk ")
    sections = {(f["section"], f["name"]): f for f in report["figures"]}
    for mode in ("unique", "repeated"):
        errors, throughput = (
            sections[(http_section(mode, 2), "errors")],
            sections[(http_section(mode, 2), "throughput")],
        )
        assert errors["value"] == errors["baseline"] == 0
        # The naive server may answer nothing in a 1 s run on a busy machine; it was still loaded.
        assert throughput["value"] > 0 and throughput["baseline"] is not None and throughput["baseline"] >= 0


def test_server_figures_count_its_worker_processes() -> None:
    """`qa serve --workers N` does its work in child processes: their CPU and memory are the server's."""
    burn = "import time\nbegan = time.process_time()\nwhile time.process_time() - began < 0.5: pass\ntime.sleep(60)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"
    process = subprocess.Popen([sys.executable, "-c", parent])
    try:
        server = Server("http://127.0.0.1:1", process, 0.0)
        deadline = time.monotonic() + 30
        while server.cpu_seconds() < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.cpu_seconds() >= 0.5  # the parent itself only waits
        status = Path(f"/proc/{process.pid}/status").read_text().splitlines()
        own = int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
        assert server.peak_rss_mb() > own / 1024
    finally:
        for pid in reversed(http_load._process_tree(process.pid)):
            os.kill(pid, signal.SIGKILL)
        process.wait()
