"""Benchmark the fast paths against the naive baseline measured in the same run, figure by figure."""

import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.http_load import (
    LoadGenerator,
    LoadResult,
    PythonLoad,
    ServerRun,
    Workload,
    cycled,
    measure_server,
    naive_server,
    running_server,
)
from bench.wrk import WrkLoad, find_wrk
from qa.cpu import describe, instruction_sets, usable_cores
from qa.embedding import load_encoder, model_dir
from qa.engine import Engine, load_engine
from qa.index import Index, build_index, ensure_index
from qa.settings import PROJECT_ROOT, Settings
from qa.torch_encoder import TorchEncoder

log = logging.getLogger("bench.perf")
QUESTIONS_FILE = PROJECT_ROOT / "eval" / "immunotherapy.jsonl"
IN_PROCESS, STARTUP, FLOOR = "in-process", "startup", "floor"
# `qa serve`'s question encoders, side by side: the default (float) and int8 with its recheck and start-up check.
ENCODER_MODES = {"float": {"QA_QUANTIZE": "false"}, "int8": {"QA_QUANTIZE": "true"}}
DEFAULT_MODE = "float"
_FLOOR_BATCH = 32
FAQ_SIZE = 20
_WARMUP = 5
_CHUNK = 25
_FORMATS = {
    "x": "{:.2f}x",
    "ms": "{:.1f} ms",
    "s": "{:.2f} s",
    "MB": "{:.0f} MB",
    "q/s": "{:.0f} q/s",
    "errors": "{:.0f}",
}
_PACKAGES = ("torch", "onnxruntime", "sentence-transformers", "faiss-cpu", "uvicorn", "httpx")


@dataclass(frozen=True)
class BenchPlan:
    """How much to measure: counts are bounded so a run takes minutes, not hours."""

    questions: int = 300
    requests: int = 500
    concurrency: tuple[int, ...] = (1, 8, 32)
    http: bool = True
    time_cap_s: float = 60.0
    questions_file: Path = QUESTIONS_FILE
    load_generator: str = "auto"
    wrk_seconds: float = 10.0


@dataclass(frozen=True)
class Figure:
    """One measured figure of the fast path beside the naive baseline's, from the same run."""

    section: str
    name: str
    unit: str
    value: float
    baseline: float | None
    lower_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        """How many times better than the baseline (above 1 is better), when both are positive."""
        if self.baseline is None or not (self.value > 0 and self.baseline > 0):  # also rules out NaN
            return None
        return self.baseline / self.value if self.lower_is_better else self.value / self.baseline


@dataclass(frozen=True)
class Target:
    """A goal from issue 4, checked on one figure."""

    description: str
    section: str
    name: str
    met_by: Callable[[Figure], bool]


def http_section(mode: str, concurrency: int) -> str:
    return f"HTTP {mode} c={concurrency}"


TARGETS = (
    Target(
        "in-process p50 at least 3x faster than the baseline",
        IN_PROCESS,
        "full answer p50",
        lambda f: (f.ratio or 0) >= 3,
    ),
    # Issue 23's, against the fair naive server (with wrk as the load generator).
    Target("HTTP c=32 p99 250 ms or less", http_section("unique", 32), "p99", lambda f: f.value <= 250),
    Target(
        "HTTP c=32 at least 3x the naive server's throughput",
        http_section("unique", 32),
        "throughput",
        lambda f: (f.ratio or 0) >= 3,
    ),
    Target("HTTP c=32 zero errors", http_section("unique", 32), "errors", lambda f: f.value == 0),
    Target(
        "server CPU per answered request at most 1.6x the encoder's own (c=32, float)",
        FLOOR,
        f"{DEFAULT_MODE} server CPU / encoder CPU",
        lambda f: f.value <= 1.6,
    ),
    Target("cold start to /readyz in 5 s or less", STARTUP, "cold start to /readyz", lambda f: f.value <= 5),
)


@dataclass
class Report:
    """Every figure of a run, what each section compares, and the machine it ran on."""

    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    def find(self, section: str, name: str) -> Figure | None:
        return next((f for f in self.figures if (f.section, f.name) == (section, name)), None)

    def targets(self) -> list[tuple[str, bool | None]]:
        """Each target with whether it was met (None when its figure was not measured)."""
        checks = []
        for target in TARGETS:
            figure = self.find(target.section, target.name)
            checks.append((target.description, None if figure is None else target.met_by(figure)))
        return checks

    def to_dict(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "notes": self.notes,
            "figures": [{**asdict(f), "ratio": f.ratio} for f in self.figures],
            "targets": [{"target": name, "met": met} for name, met in self.targets()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def load_questions(path: Path) -> list[str]:
    """The `question` field of every line of a JSON-lines evaluation file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["question"] for line in lines if line.strip()]


def run_bench(settings: Settings, plan: BenchPlan) -> Report:
    """Measure everything the plan asks for, fast and naive side by side, on a built index."""
    index = ensure_index(settings)
    questions = load_questions(plan.questions_file)
    engine = load_engine(settings.model_copy(update={"cache_size": 0}), index)
    report = Report(machine_info(engine, index))
    log.info("Timing %d questions in process.", plan.questions)
    report.figures += measure_in_process(engine, TorchEncoder(model_dir(settings)), cycled(questions, plan.questions))
    report.notes[IN_PROCESS] = (
        f"{plan.questions} questions one at a time, answer cache off. Baseline: sentence-transformers encode() "
        f"of one question with its default settings, then FAISS search (top {settings.top_k_default}). "
        "'encoder' compares the encoders alone; 'full answer' is Engine.answer (the default float encoder, hybrid "
        "retrieval, refusal, highlights) against that same baseline. "
        "'CPU per question' is process CPU time (all threads); "
        "its 'ceiling' is the most questions per second the machine's cores could answer if they did nothing else."
    )
    log.info("Timing index builds.")
    report.figures += measure_build(settings)
    report.notes[STARTUP] = (
        "Cold start: process start to the first 200 from /readyz, index already built. Peak RSS: the VmHWM of "
        "the server's processes after its load, added up. Index build: a fresh build in a temporary folder (ONNX "
        "export reused); baseline: the same build with the torch encoder."
    )
    if plan.http:
        _bench_http(report, settings, questions, plan)
    report.machine["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    return report


def _bench_http(report: Report, settings: Settings, questions: list[str], plan: BenchPlan) -> None:
    """Load `qa serve` in each encoder mode and the naive server over HTTP; add their figures and notes."""
    generator = load_generator(plan)
    report.machine["load_generator"] = generator.describe()
    log.info("Timing each encoder mode alone (the floor).")
    floor = measure_floor(settings, questions)
    figures, capped = measure_http(settings, questions, plan, generator, floor)
    report.figures += figures
    if capped:
        report.notes["time cap"] = (
            f"Stopped at {plan.time_cap_s:g} s, requests sent of {plan.requests}: {'; '.join(capped)}."
        )
    report.notes["HTTP unique"] = (
        "Every question is asked once (a number appended), so each request misses the answer cache. "
        f"Load: {generator.describe()}; on the same cores as the server; every server by the same generator. "
        "CPU per answered request: user + system time of the server's processes over the run, divided by the "
        "requests answered; the load generator's per request sent. "
        f"Fast: `qa serve {' '.join(fast_options())}` (one worker process per core), default settings (float "
        "question encoder); 'int8' rows: the same with QA_QUANTIZE=true (int8 with its float recheck, kept only "
        "if it passes its start-up check on this CPU). Baseline: bench/naive_server.py, one uvicorn process: "
        "FastAPI with a plain def route (run in FastAPI's thread pool), sentence-transformers encode() and an "
        "exact FAISS index of the same passages, no cache."
    )
    report.notes[FLOOR] = (
        f"Encoder CPU per question: each mode's ONNX encoder alone in this process (1 thread), on the "
        f"{len(questions)} unique questions numbered as under load, {_FLOOR_BATCH} per call; against the "
        f"server's CPU per answered request at c={max(plan.concurrency)} with unique questions, same run."
    )
    report.notes["HTTP repeated"] = (
        f"{FAQ_SIZE} FAQ questions asked over and over: answer-cache hits on the fast server "
        "(the naive server has no cache)."
    )


def machine_info(engine: Engine, index: Index) -> dict[str, Any]:
    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return {
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: package(name) for name in _PACKAGES},
        "cpu": instruction_sets(),
        "encoder": engine.encoder.name
        + (f", close calls with {engine.encoder.checker.name}" if engine.encoder.checker else ""),
        "passages": index.manifest.passages,
        "dense_index": index.manifest.dense_index,
    }


def measure_in_process(engine: Engine, naive: TorchEncoder, questions: list[str]) -> list[Figure]:
    """Per-question latency and CPU time of each path against its naive counterpart."""
    index, k = engine.index, engine.settings.top_k_default
    paths: dict[str, Callable[[str], object]] = {
        "naive encoder": lambda q: naive.encode([q]),
        "naive encode+search": lambda q: index.dense.search(naive.encode([q]), k),
        "encoder": lambda q: engine.encoder.encoder.encode([q]),
        "encode+search": lambda q: index.dense.search(engine.encoder.encoder.encode([q]), k),
        "full answer": engine.answer,
    }
    timings, cpu = _time_paths(paths, questions)
    baselines = {
        "encoder": "naive encoder",
        "encode+search": "naive encode+search",
        "full answer": "naive encode+search",
    }
    figures = [
        Figure(IN_PROCESS, f"{name} p{q}", "ms", _percentile(timings[name], q), _percentile(timings[baseline], q))
        for name, baseline in baselines.items()
        for q in (50, 95)
    ]
    # CPU time (all threads) bounds throughput: no server can answer more than cores / CPU-per-question.
    cpu_ms = {name: total * 1000 / len(questions) for name, total in cpu.items()}
    cores = os.cpu_count() or 1
    for name, baseline in (("encoder", "naive encoder"), ("full answer", "naive encode+search")):
        figures += [
            Figure(IN_PROCESS, f"{name} CPU per question", "ms", cpu_ms[name], cpu_ms[baseline]),
            Figure(
                IN_PROCESS,
                f"{name} ceiling on {cores} cores",
                "q/s",
                cores * 1000 / cpu_ms[name],
                cores * 1000 / cpu_ms[baseline],
                lower_is_better=False,
            ),
        ]
    return figures


def _time_paths(
    paths: dict[str, Callable[[str], object]], questions: list[str]
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Each path's latency (ms) per question, and its CPU time (s) over all of them."""
    timings: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, float] = dict.fromkeys(paths, 0.0)
    # Paths take turns chunk by chunk, so drift hits all alike, and each turn starts with a few
    # untimed calls, so one path's worker threads (torch's spin after a call) do not bill the next.
    for begin in range(0, len(questions), _CHUNK):
        chunk = questions[begin : begin + _CHUNK]
        for name, call in paths.items():
            for question in cycled(chunk, _WARMUP):
                call(question)
            for question in chunk:
                began, began_cpu = time.perf_counter(), time.process_time()
                call(question)
                timings[name].append((time.perf_counter() - began) * 1000)
                cpu[name] += time.process_time() - began_cpu
    return timings, cpu


def _percentile(values: list[float], quantile: int) -> float:
    return float(np.percentile(values, quantile))


def measure_build(settings: Settings) -> list[Figure]:
    """Seconds to build the index from scratch, with the configured encoder and with torch."""
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="qa-bench-build-") as folder:
        for name, backend in (("fast", settings.encoder_backend), ("naive", "torch")):
            target = settings.model_copy(
                update={
                    "index_dir": Path(folder) / name,
                    "model_cache": settings.model_cache_dir,
                    "encoder_backend": backend,
                }
            )
            began = time.perf_counter()
            build_index(target)
            seconds[name] = time.perf_counter() - began
    return [Figure(STARTUP, "index build", "s", seconds["fast"], seconds["naive"])]


LOAD_GENERATORS = ("auto", "wrk", "python")


def load_generator(plan: BenchPlan) -> LoadGenerator:
    """wrk when it is installed (auto) or asked for, else the Python generator."""
    wrk = find_wrk() if plan.load_generator != "python" else None
    if wrk is not None:
        return WrkLoad(wrk, plan.wrk_seconds)
    if plan.load_generator == "wrk":
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk).")
    return PythonLoad(plan.requests, plan.time_cap_s)


def measure_http(
    settings: Settings, questions: list[str], plan: BenchPlan, generator: LoadGenerator, floor: dict[str, float]
) -> tuple[list[Figure], list[str]]:
    """Cold start, load at each concurrency and peak memory of `qa serve` in each encoder mode and of the naive server.

    Every server is loaded by the same generator in the same run; `floor` is each mode's encoder CPU per
    question (measure_floor), set against the server's CPU per answered request at the highest concurrency.
    Returns the figures and a line for each load run that the time cap cut short.
    """
    runs = _load_servers(settings, questions, plan, generator)
    figures = _server_figures(runs, floor, max(plan.concurrency))
    capped = [
        f"{name} {http_section(*key)} {load.sent}"
        for name, run in runs.items()
        for key, load in run.loads.items()
        if isinstance(generator, PythonLoad) and load.sent < plan.requests
    ]
    return figures, capped


def _load_servers(
    settings: Settings, questions: list[str], plan: BenchPlan, generator: LoadGenerator
) -> dict[str, ServerRun]:
    """Start each server in turn (each encoder mode, then the naive one) and load it with every workload."""
    workloads = {
        (mode, level): Workload(questions if mode == "unique" else questions[:FAQ_SIZE], mode == "unique", f"c{level}")
        for mode in ("unique", "repeated")
        for level in plan.concurrency
    }
    runs: dict[str, ServerRun] = {}
    with tempfile.TemporaryDirectory(prefix="qa-bench-serve-") as folder:
        servers = {
            mode: running_server(settings, env, Path(folder) / f"{mode}.log", fast_options())
            for mode, env in ENCODER_MODES.items()
        }
        servers["naive"] = naive_server(settings, Path(folder) / "naive.log")
        for name, starting in servers.items():
            log.info("Loading the %s server with %s at concurrency %s.", name, generator.name, plan.concurrency)
            runs[name] = measure_server(starting, workloads, generator)
    return runs


def _server_figures(runs: dict[str, ServerRun], floor: dict[str, float], concurrency: int) -> list[Figure]:
    """Cold start, peak memory and load figures of each encoder mode against the naive server's."""
    naive = runs["naive"]
    figures = []
    for mode in ENCODER_MODES:
        fast, prefix = runs[mode], "" if mode == DEFAULT_MODE else f"{mode} "
        figures += [
            Figure(STARTUP, f"{prefix}cold start to /readyz", "s", fast.cold_start_s, naive.cold_start_s),
            Figure(STARTUP, f"{prefix}server peak RSS", "MB", fast.peak_rss_mb, naive.peak_rss_mb),
        ]
    for key in naive.loads:
        section, base = http_section(*key), naive.loads[key]
        for mode in ENCODER_MODES:
            result, prefix = runs[mode].loads[key], "" if mode == DEFAULT_MODE else f"{mode} "
            figures += load_figures(section, prefix, result, base)
    figures += floor_ratios({mode: runs[mode] for mode in ENCODER_MODES}, floor, concurrency)
    return figures


def load_figures(section: str, prefix: str, result: LoadResult, base: LoadResult) -> list[Figure]:
    """One load run's figures (names starting with `prefix`) beside the naive server's in the same run."""
    return [
        Figure(section, f"{prefix}p50", "ms", result.p50_ms, base.p50_ms),
        Figure(section, f"{prefix}p99", "ms", result.p99_ms, base.p99_ms),
        Figure(section, f"{prefix}throughput", "q/s", result.throughput, base.throughput, lower_is_better=False),
        Figure(section, f"{prefix}errors", "errors", result.errors, base.errors),
        Figure(section, f"{prefix}server CPU per answered request", "ms", result.server_cpu_ms, base.server_cpu_ms),
        Figure(section, f"{prefix}load generator CPU per request", "ms", result.client_cpu_ms, base.client_cpu_ms),
    ]


def measure_floor(settings: Settings, questions: list[str]) -> dict[str, float]:
    """Each encoder mode's CPU milliseconds per question with no server at all: its encoder on the bench's
    unique questions (numbered as the load numbers them), one ONNX Runtime thread, a micro-batch's worth per call."""
    texts = Workload(questions, True, "floor").first(len(questions))
    floor = {}
    for mode in ENCODER_MODES:
        encoder = load_encoder(settings.model_copy(update={"encoder_threads": 1}), quantized=mode == "int8")
        encoder.encode(texts[:_FLOOR_BATCH])  # warm-up
        began = time.process_time()
        for start in range(0, len(texts), _FLOOR_BATCH):
            encoder.encode(texts[start : start + _FLOOR_BATCH])
        floor[mode] = (time.process_time() - began) * 1000 / len(texts)
    return floor


def floor_ratios(runs: dict[str, ServerRun], floor: dict[str, float], concurrency: int) -> list[Figure]:
    """Per encoder mode: the encoder's own CPU per question, the server's per answered unique question, their ratio."""
    figures = []
    for mode, run in runs.items():
        served = run.loads[("unique", concurrency)].server_cpu_ms
        figures += [
            Figure(FLOOR, f"{mode} encoder CPU per question", "ms", floor[mode], None),
            Figure(FLOOR, f"{mode} server CPU per answered request, c={concurrency}", "ms", served, None),
            Figure(FLOOR, f"{mode} server CPU / encoder CPU", "x", served / floor[mode], None),
        ]
    return figures


def fast_options() -> tuple[str, ...]:
    """`qa serve` as the README recommends it for throughput: one worker process per core."""
    return ("--workers", str(usable_cores()))  # the cores this process may use, as QA_BATCH_WORKERS


def parse_levels(text: str) -> tuple[int, ...]:
    """'1,8,32' -> (1, 8, 32); every level must be a positive whole number."""
    levels = tuple(int(part) for part in text.split(",") if part.strip())
    if not levels or min(levels) < 1:
        raise ValueError(f"Concurrency levels must be positive whole numbers, got {text!r}.")
    return levels


def render_report(report: Report, console: Console) -> None:
    """The figures as a table (fast, baseline, ratio), then what each compares, the targets and the machine."""
    console.print(_figures_table(report))
    console.print("x better: baseline / fast for times and memory, fast / baseline for throughput.", style="dim")
    for section, note in report.notes.items():
        console.print(f"[bold]{section}[/]: {note}")
    for description, met in report.targets():
        mark = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not measured[/]"}[met]
        console.print(f"target: {description}: {mark}")
    _print_machine(report.machine, console)


def _figures_table(report: Report) -> Table:
    """The figures by section: fast, baseline and how many times better."""
    table = Table(title="qa bench: fast path against the naive baseline, same run", title_justify="left")
    for column in ("section", "measure", "fast", "naive baseline", "x better"):
        table.add_column(column, justify="left" if column in ("section", "measure") else "right")
    for section in dict.fromkeys(f.section for f in report.figures):
        rows = [f for f in report.figures if f.section == section]
        for number, figure in enumerate(rows):
            ratio = "-" if figure.ratio is None else f"{figure.ratio:.1f}x"
            table.add_row(
                section if number == 0 else "",
                figure.name,
                _format(figure.value, figure.unit),
                _format(figure.baseline, figure.unit),
                ratio,
            )
        table.add_section()
    return table


def _print_machine(machine: dict[str, Any], console: Console) -> None:
    """The machine the figures come from, with a warning when it was busy."""
    busiest = max(machine["load_average_1m"], machine.get("load_average_1m_end", 0))
    if busiest > machine["cpus"]:
        console.print(
            f"[yellow]warning:[/] the machine was busy (load {busiest} on {machine['cpus']} CPUs):"
            " the figures are noisy."
        )
    console.print(
        f"machine: {machine['cpus']} CPUs, load {machine['load_average_1m']}, {machine['platform']}, "
        f"Python {machine['python']}, " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items()),
        style="dim",
    )
    console.print(
        f"fast encoder: {machine['encoder']}; CPU: {describe(machine['cpu'])}; index: {machine['passages']} passages"
        f" ({machine['dense_index']}).",
        style="dim",
    )


def _format(value: float | None, unit: str) -> str:
    return "-" if value is None or np.isnan(value) else _FORMATS[unit].format(value)
