"""The `qa` console script: serve, ask, chat, index build, eval and bench."""

import errno
import importlib.util
import json
import os
import socket
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape

from cli.logging_setup import LOG_CONFIG, configure_logging
from qa.errors import (
    CorpusError,
    IndexBuildError,
    IndexLoadError,
    QAError,
    QuestionError,
    SelfTestFailed,
    SettingError,
)
from qa.settings import Settings

if TYPE_CHECKING:  # imported by the commands that use it, so the others start sooner
    from api.settings import ApiSettings

app = typer.Typer(help="Verbatim answers from trusted cancer information.", no_args_is_help=True, add_completion=False)
index_app = typer.Typer(help="Build and inspect the index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Folder of documents or a .jsonl collection.")]
IndexDirOpt = Annotated[Path | None, typer.Option("--index-dir", help="Where the index lives.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Ask a running server instead of the local index.")]
TopKOpt = Annotated[
    int | None,
    typer.Option("--top-k", min=1, help="How many passages (default QA_TOP_K_DEFAULT, at most QA_TOP_K_MAX)."),
]
LOADING_HINT = (
    "Loading the index and the model (a few seconds on each `qa ask`). To keep them loaded, use `qa chat`, "
    "or start `qa serve` and ask it with `qa ask --url http://127.0.0.1:8000`."
)
# The table in docs/reliability.md (Readiness, settings and builds); 1 is anything else.
EXIT_CODES: list[tuple[type[QAError], int]] = [
    (QuestionError, 2),
    (CorpusError, 2),
    (SettingError, 2),
    (IndexLoadError, 3),
    (IndexBuildError, 4),
    (SelfTestFailed, 6),
]
ADDRESS_IN_USE = 5
S = TypeVar("S", bound=Settings)


def settings_for(kind: type[S], corpus: Path | None, index_dir: Path | None) -> S:
    """Settings of `kind` (the library's, the app's or the console's) from the environment, with command-line
    paths taking precedence."""
    overrides: dict[str, Any] = {}
    if corpus:
        overrides["corpus"] = corpus.resolve()
    if index_dir:
        overrides["index_dir"] = index_dir.resolve()
    try:
        return kind(**overrides)
    except ValidationError as error:
        stop(2, "; ".join(_setting_problem(problem) for problem in error.errors()))
    except SettingsError as error:  # a list or number setting that is not even JSON
        stop(2, str(error))


def _setting_problem(problem: Any) -> str:
    names = [str(part) for part in problem["loc"]]
    where = f"QA_{names[0].upper()}" if names else "settings"
    return f"invalid {where}: {problem['msg'].removeprefix('Value error, ')}"


def stop(code: int, message: str) -> NoReturn:
    """End the command with one line on stderr and an exit code (never a traceback)."""
    Console(stderr=True, soft_wrap=True, highlight=False).print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def top_k_for(top_k: int | None, settings: Settings) -> int:
    """--top-k, or the settings' default; above the settings' maximum is a usage error."""
    if top_k is not None and top_k > settings.top_k_max:
        raise typer.BadParameter(f"{top_k} is above QA_TOP_K_MAX ({settings.top_k_max}).", param_hint="--top-k")
    return top_k or settings.top_k_default


def require(module: str, how: str) -> None:
    """Stop with how to get `module` when this installation lacks it (an optional part of cancer-qa)."""
    if importlib.util.find_spec(module) is None:
        stop(1, f"this command needs {module}, which is not installed: {how}")


def show(as_json: bool, json_text: Callable[[], str], render: Callable[[Console], None]) -> None:
    """Print a command's report: its JSON with --json, else rendered for the terminal."""
    if as_json:
        sys.stdout.write(json_text() + "\n")
    else:
        render(Console())


def fail(error: QAError) -> NoReturn:
    stop(next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1), str(error))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes sharing the port (each holds the index).")] = 1,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
    no_build: Annotated[
        bool, typer.Option("--no-build", help="A replica: serve the index `qa index build` made, never build one.")
    ] = False,
) -> None:
    """Start the HTTP service; it answers /healthz at once and questions once the index is built or loaded.

    With --no-build (a replica) it never builds: no usable index there ends start-up with exit code 3.
    """
    from api.settings import ApiSettings
    from cli.connections import listen

    configure_logging()
    settings = settings_for(ApiSettings, corpus, index_dir)
    if no_build:
        settings = settings.model_copy(update={"build_on_start": False})
    check_port(host, port)
    check_refusal_model(settings)
    ports = [port] if settings.probe_port is None else [port, settings.probe_port]
    try:
        sockets = listen(host, ports)
    except OSError as error:
        stop(1, f"Cannot listen on {host} port {' or '.join(map(str, ports))}: {error.strerror}.")
    options = _uvicorn_options(host, port, settings)
    if workers > 1:
        _serve_workers(settings, workers, options, sockets)
    else:
        _serve_one(settings, options, sockets)


def _uvicorn_options(host: str, port: int, settings: "ApiSettings") -> dict[str, Any]:
    """uvicorn's configuration: our logging, no proxy headers, and the settings' connection limits."""
    from cli.connections import uvicorn_limits

    # proxy_headers=False: X-Forwarded-For is trusted only from settings.trusted_proxies (see api/limits.py).
    return {
        "host": host,
        "port": port,
        "access_log": False,
        "log_config": LOG_CONFIG,
        "proxy_headers": False,
        **uvicorn_limits(settings),
    }


def _serve_workers(
    settings: "ApiSettings", workers: int, options: dict[str, Any], sockets: list[socket.socket]
) -> None:
    """`workers` uvicorn worker processes sharing the sockets, once the index is built here for all of them."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from api.metrics import shared_by_workers
    from api.workers import worker_failures
    from qa.index import ensure_index
    from qa.language import load_detector

    check_model(settings)  # a damaged ONNX export is exported again here, before any worker starts

    # Build once here, not in every worker; each worker then loads the index itself. What would stop
    # every worker (an unknown QA_QUESTION_LANGUAGES) stops the parent first, with one line.
    try:
        load_detector(settings)
        ensure_index(settings)
    except QAError as error:
        fail(error)
    os.environ["QA_CORPUS"] = str(settings.corpus)
    os.environ["QA_INDEX_DIR"] = str(settings.index_dir)
    os.environ["QA_BUILD_ON_START"] = str(settings.build_on_start).lower()
    if "batch_workers" not in settings.model_fields_set:  # each worker its share of the cores
        os.environ["QA_BATCH_WORKERS"] = str(max(1, settings.batch_workers // workers))
    # /metrics adds up every worker's counts; a worker that cannot start stops them all, with its exit code.
    with shared_by_workers(), worker_failures() as failure:
        config = uvicorn.Config("api.workers:create_worker_app", factory=True, workers=workers, **options)
        supervisor = Multiprocess(config, sockets=sockets)
        supervisor.run()
        worker_error = failure(process.exitcode for process in supervisor.processes)
    if worker_error:
        fail(worker_error)


def _serve_one(settings: "ApiSettings", options: dict[str, Any], sockets: list[socket.socket]) -> None:
    """One process: the port opens at once and the index is built or loaded behind it."""
    import uvicorn

    from api.deps import app_state
    from api.main import create_app

    def shut_down(error: QAError) -> None:
        server.should_exit = True  # a graceful stop; the error is reported below, with its exit code

    app = create_app(settings, load_in_background=True, on_startup_failure=shut_down)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    server.run(sockets=sockets)
    startup_error = app_state(app).startup.error
    if startup_error:
        fail(startup_error)


def check_port(host: str, port: int) -> None:
    """Stop start-up (one line) when the address cannot be listened on: exit 5 when another process has it."""
    try:
        socket.create_server((host, port)).close()  # SO_REUSEADDR, as uvicorn binds
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            stop(ADDRESS_IN_USE, f"{host}:{port} is already in use: another server (or an orphaned worker) has it.")
        stop(2, f"cannot listen on {host}:{port} (--host, --port): {error.strerror or error}")


def check_refusal_model(settings: Settings) -> None:
    """Stop start-up (one line, exit 2) unless QA_REFUSAL_MODEL, when set, can be read."""
    if settings.refusal_model is None:
        return
    from qa.refusal import RefusalModel

    try:
        RefusalModel.load(settings.refusal_model)
    except (OSError, ValueError, KeyError, TypeError) as error:
        stop(2, f"invalid QA_REFUSAL_MODEL: {settings.refusal_model} cannot be read ({type(error).__name__}: {error})")


def check_model(settings: Settings) -> None:
    """Stop start-up (one line, an exit code) unless the encoders load and pass their self-tests.

    A damaged ONNX export is exported again here, before any worker starts.
    """
    from qa.embedding import load_checker, load_encoder

    try:
        load_encoder(settings)
        load_checker(settings)
    except QAError as error:
        fail(error)
    except OSError as error:
        stop(1, f"The model cannot be loaded: {error}")


@index_app.command("build")
def index_build(corpus: CorpusOpt = None, index_dir: IndexDirOpt = None) -> None:
    """Build a fresh index beside the live one and switch to it atomically."""
    from qa.index import build_index

    configure_logging()
    try:
        manifest = build_index(settings_for(Settings, corpus, index_dir))
    except QAError as error:
        fail(error)
    Console().print(
        f"Built index [bold]{manifest.build_id}[/]: {manifest.documents} documents, "
        f"{manifest.passages} passages ({manifest.dense_index}) in {manifest.build_seconds:.1f} s."
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in your own words.")],
    top_k: TopKOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON instead.")] = False,
    url: UrlOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Answer one question with verbatim passages."""
    from cli.console import print_json, render_answer
    from cli.settings import ConsoleSettings
    from cli.sources import open_source
    from qa.questions import normalize_question

    settings = settings_for(ConsoleSettings, corpus, index_dir)
    count = top_k_for(top_k, settings)
    try:
        normalize_question(question, settings.question_max_chars)  # refuse an empty question before loading anything
        if not url:
            Console(stderr=True, soft_wrap=True).print(LOADING_HINT, style="dim", highlight=False)
        with open_source(settings, url) as source:
            answer = source.ask(question, count)
    except QAError as error:
        fail(error)
    if as_json:
        print_json(answer, Console())
    else:
        render_answer(answer, Console())


@app.command()
def chat(top_k: TopKOpt = None, url: UrlOpt = None, corpus: CorpusOpt = None, index_dir: IndexDirOpt = None) -> None:
    """Answer question after question, loading the index once; :help lists the commands."""
    require("prompt_toolkit", "pip install 'cancer-qa[console]'")
    from cli.chat import run_chat
    from cli.settings import ConsoleSettings
    from cli.sources import open_source

    settings = settings_for(ConsoleSettings, corpus, index_dir)
    count = top_k_for(top_k, settings)
    console = Console()
    try:
        with ExitStack() as stack:
            with console.status(f"Connecting to {url}…" if url else "Loading the index and the model…"):
                source = stack.enter_context(open_source(settings, url))
            run_chat(source, settings, count, console)
    except QAError as error:
        fail(error)


@app.command()
def bench(
    questions: Annotated[int, typer.Option("--questions", min=1, help="Questions timed in process, per path.")] = 300,
    requests: Annotated[
        int, typer.Option("--requests", min=1, help="HTTP requests per concurrency level and mode.")
    ] = 500,
    concurrency: Annotated[
        str, typer.Option("--concurrency", help="HTTP concurrency levels, comma-separated.")
    ] = "1,8,32",
    time_cap: Annotated[float, typer.Option("--time-cap", min=1, help="Seconds at most per HTTP load run.")] = 60,
    generator: Annotated[
        str, typer.Option("--load-generator", help="auto (wrk when installed), wrk or python.")
    ] = "auto",
    wrk_seconds: Annotated[float, typer.Option("--wrk-seconds", min=1, help="Seconds per wrk load run.")] = 10,
    skip_http: Annotated[
        bool, typer.Option("--skip-http", help="Only the in-process and index-build figures.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Measure latency, throughput, cold start and memory against the naive baseline, in one run."""
    require("bench", "it measures a checkout (not in the wheel): run `python -m cli.main bench` in the repository")
    from bench.perf import BenchPlan, render_report, run_bench

    configure_logging()
    plan = BenchPlan(
        questions=questions,
        requests=requests,
        concurrency=_concurrency_levels(concurrency),
        http=not skip_http,
        time_cap_s=time_cap,
        load_generator=_load_generator(generator),
        wrk_seconds=wrk_seconds,
    )
    try:
        report = run_bench(settings_for(Settings, corpus, index_dir), plan)
    except QAError as error:
        fail(error)
    show(as_json, report.to_json, lambda console: render_report(report, console))


def _concurrency_levels(concurrency: str) -> tuple[int, ...]:
    """--concurrency's levels; a usage error when they are not positive whole numbers."""
    from bench.perf import parse_levels

    try:
        return parse_levels(concurrency)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--concurrency") from None


def _load_generator(generator: str) -> str:
    """--load-generator when it names one that can run here; else a usage error."""
    from bench.perf import LOAD_GENERATORS
    from bench.wrk import find_wrk

    if generator not in LOAD_GENERATORS or (generator == "wrk" and find_wrk() is None):
        message = f"one of {', '.join(LOAD_GENERATORS)}; wrk needs Debian's wrk installed"
        raise typer.BadParameter(message, param_hint="--load-generator")
    return generator


@app.command("eval")
def evaluate(
    questions_files: Annotated[
        list[Path], typer.Argument(help="Labelled questions (.jsonl, one or more): ours or MedQuAD's format.")
    ],
    split: Annotated[str, typer.Option(help="train, test or all.")] = "all",
    sample: Annotated[Path | None, typer.Option(help="File of question ids to keep (MedQuAD's sample).")] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N questions.")] = None,
    fit_refusal: Annotated[
        Path | None,
        typer.Option(
            "--fit-refusal",
            metavar="PATH",
            help="Refit the refusal model on these questions and write it to PATH (serve it with QA_REFUSAL_MODEL).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Measure R@k, MRR@10 and refusal against BM25-only and dense-only baselines."""
    if fit_refusal:
        require("sklearn", "pip install 'cancer-qa[eval]'")
    from evaluation.report import render, run_eval

    configure_logging()
    try:
        result = run_eval(settings_for(Settings, corpus, index_dir), questions_files, split, sample, limit, fit_refusal)
    except QAError as error:
        fail(error)
    show(as_json, lambda: json.dumps(result, indent=2), lambda console: render(result, console))


if __name__ == "__main__":
    app()
