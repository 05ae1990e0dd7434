"""The `qa` console script: serve, ask, chat, index build, eval and bench."""

import json
import os
import sys
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from cli.logging_setup import LOG_CONFIG, configure_logging
from qa.errors import CorpusError, IndexBuildError, IndexLoadError, QAError, QuestionError
from qa.settings import Settings

app = typer.Typer(help="Verbatim answers from trusted cancer information.", no_args_is_help=True, add_completion=False)
index_app = typer.Typer(help="Build and inspect the index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Folder of documents or a .jsonl collection.")]
IndexDirOpt = Annotated[Path | None, typer.Option("--index-dir", help="Where the index lives.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Ask a running server instead of the local index.")]
TopKOpt = Annotated[int, typer.Option("--top-k", min=1, max=10, help="How many passages.")]
EXIT_CODES: list[tuple[type[QAError], int]] = [
    (QuestionError, 2),
    (CorpusError, 2),
    (IndexLoadError, 3),
    (IndexBuildError, 4),
]


def settings_for(corpus: Path | None, index_dir: Path | None) -> Settings:
    """Settings from the environment, with command-line paths taking precedence."""
    overrides: dict[str, Any] = {}
    if corpus:
        overrides["corpus"] = corpus.resolve()
    if index_dir:
        overrides["index_dir"] = index_dir.resolve()
    return Settings(**overrides)


def fail(error: QAError) -> NoReturn:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {error}")
    raise typer.Exit(next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes sharing the port (index memory-mapped).")] = 1,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
    no_build: Annotated[
        bool, typer.Option("--no-build", help="A replica: serve the index `qa index build` made, never build one.")
    ] = False,
) -> None:
    """Start the HTTP service, building the index first if needed (unless --no-build)."""
    import uvicorn

    from api.metrics import shared_by_workers
    from qa.index import ensure_index

    configure_logging()
    settings = settings_for(corpus, index_dir)
    if no_build:
        settings = settings.model_copy(update={"build_on_start": False})
    try:
        index = ensure_index(settings)
    except QAError as error:
        fail(error)
    if workers == 1:
        from api.main import create_app

        # One process: serve the index just checked rather than loading it a second time.
        target: Any = create_app(settings, index)
    else:
        # Each worker process makes its own app from the environment (the index is memory-mapped).
        os.environ["QA_CORPUS"] = str(settings.corpus)
        os.environ["QA_INDEX_DIR"] = str(settings.index_dir)
        os.environ["QA_BUILD_ON_START"] = str(settings.build_on_start).lower()
        target = "api.main:create_app"
    # proxy_headers=False: X-Forwarded-For is trusted only from settings.trusted_proxies (see api/limits.py).
    with shared_by_workers() if workers > 1 else nullcontext():
        uvicorn.run(
            target,
            factory=workers > 1,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=LOG_CONFIG,
            proxy_headers=False,
        )


@index_app.command("build")
def index_build(corpus: CorpusOpt = None, index_dir: IndexDirOpt = None) -> None:
    """Build a fresh index beside the live one and switch to it atomically."""
    from qa.index import build_index

    configure_logging()
    try:
        manifest = build_index(settings_for(corpus, index_dir))
    except QAError as error:
        fail(error)
    Console().print(
        f"Built index [bold]{manifest.build_id}[/]: {manifest.documents} documents, "
        f"{manifest.passages} passages ({manifest.dense_index}) in {manifest.build_seconds:.1f} s."
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in your own words.")],
    top_k: TopKOpt = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON instead.")] = False,
    url: UrlOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Answer one question with verbatim passages."""
    from cli.console import print_json, render_answer
    from cli.sources import open_source
    from qa.questions import normalize_question

    settings = settings_for(corpus, index_dir)
    try:
        normalize_question(question, settings.question_max_chars)  # refuse an empty question before loading anything
        with open_source(settings, url) as source:
            answer = source.ask(question, top_k)
    except QAError as error:
        fail(error)
    if as_json:
        print_json(answer, Console())
    else:
        render_answer(answer, Console())


@app.command()
def chat(top_k: TopKOpt = 3, url: UrlOpt = None, corpus: CorpusOpt = None, index_dir: IndexDirOpt = None) -> None:
    """Answer question after question, loading the index once; :help lists the commands."""
    from cli.chat import run_chat
    from cli.sources import open_source

    settings = settings_for(corpus, index_dir)
    console = Console()
    try:
        with ExitStack() as stack:
            with console.status(f"Connecting to {url}…" if url else "Loading the index and the model…"):
                source = stack.enter_context(open_source(settings, url))
            run_chat(source, settings, top_k, console)
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
    from bench.perf import LOAD_GENERATORS, BenchPlan, parse_levels, render_report, run_bench
    from bench.wrk import find_wrk

    configure_logging()
    try:
        levels = parse_levels(concurrency)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--concurrency") from None
    if generator not in LOAD_GENERATORS or (generator == "wrk" and find_wrk() is None):
        message = f"one of {', '.join(LOAD_GENERATORS)}; wrk needs Debian's wrk installed"
        raise typer.BadParameter(message, param_hint="--load-generator")
    plan = BenchPlan(
        questions=questions,
        requests=requests,
        concurrency=levels,
        http=not skip_http,
        time_cap_s=time_cap,
        load_generator=generator,
        wrk_seconds=wrk_seconds,
    )
    try:
        report = run_bench(settings_for(corpus, index_dir), plan)
    except QAError as error:
        fail(error)
    if as_json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        render_report(report, Console())


@app.command("eval")
def evaluate(
    questions_file: Annotated[Path, typer.Argument(help="Labelled questions (.jsonl): ours or MedQuAD's format.")],
    split: Annotated[str, typer.Option(help="train, test or all.")] = "all",
    sample: Annotated[Path | None, typer.Option(help="File of question ids to keep (MedQuAD's sample).")] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N questions.")] = None,
    fit_refusal: Annotated[
        bool, typer.Option("--fit-refusal", help="Refit the refusal model on these questions and save it.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Measure R@k, MRR@10 and refusal against BM25-only and dense-only baselines."""
    from evaluation.report import render, run_eval

    configure_logging()
    try:
        result = run_eval(settings_for(corpus, index_dir), questions_file, split, sample, limit, fit_refusal)
    except QAError as error:
        fail(error)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        render(result, Console())
