"""The `qa` console script: serve, ask, chat, index build, eval and bench."""

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from qa.errors import CorpusError, IndexBuildError, IndexLoadError, QAError, QuestionError
from qa.settings import Settings

app = typer.Typer(help="Verbatim answers from trusted cancer information.", no_args_is_help=True, add_completion=False)
index_app = typer.Typer(help="Build and inspect the index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Folder of documents or a .jsonl collection.")]
IndexDirOpt = Annotated[Path | None, typer.Option("--index-dir", help="Where the index lives.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Ask a running server instead of the local index.")]
EXIT_CODES: list[tuple[type[QAError], int]] = [(QuestionError, 2), (CorpusError, 2), (IndexLoadError, 3), (IndexBuildError, 4)]


def settings_for(corpus: Path | None, index_dir: Path | None) -> Settings:
    """Settings from the environment, with command-line paths taking precedence."""
    overrides: dict[str, Any] = {}
    if corpus:
        overrides["corpus"] = corpus.resolve()
    if index_dir:
        overrides["index_dir"] = index_dir.resolve()
    return Settings(**overrides)


def fail(error: QAError) -> NoReturn:
    Console(stderr=True).print(f"[bold red]error:[/] {error}")
    raise typer.Exit(next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1))


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes sharing the port (index memory-mapped).")] = 1,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Start the HTTP service, building the index first if needed."""
    import uvicorn

    from qa.index import ensure_index

    _configure_logging()
    settings = settings_for(corpus, index_dir)
    try:
        ensure_index(settings)
    except QAError as error:
        fail(error)
    os.environ["QA_CORPUS"] = str(settings.corpus)
    os.environ["QA_INDEX_DIR"] = str(settings.index_dir)
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, access_log=False)


@index_app.command("build")
def index_build(corpus: CorpusOpt = None, index_dir: IndexDirOpt = None) -> None:
    """Build a fresh index beside the live one and switch to it atomically."""
    from qa.index import build_index

    _configure_logging()
    try:
        manifest = build_index(settings_for(corpus, index_dir))
    except QAError as error:
        fail(error)
    Console().print(
        f"Built index [bold]{manifest.build_id}[/]: {manifest.documents} documents, "
        f"{manifest.passages} passages ({manifest.dense_index}) in {manifest.build_seconds:.1f} s."
    )


def ask_local(settings: Settings, question: str, top_k: int) -> dict[str, Any]:
    from qa.index import ensure_index
    from qa.service import QAService

    return QAService(settings, ensure_index(settings)).ask(question, top_k).to_dict()


def ask_remote(url: str, question: str, top_k: int) -> dict[str, Any]:
    import httpx

    response = httpx.post(f"{url.rstrip('/')}/v1/ask", json={"question": question, "top_k": top_k}, timeout=30)
    if response.status_code != 200:
        raise QuestionError(f"The server answered {response.status_code}: {response.text}")
    result: dict[str, Any] = response.json()
    return result


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in your own words.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=10, help="How many passages.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON instead.")] = False,
    url: UrlOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Answer one question with verbatim passages."""
    from qa.console import render_answer

    try:
        answer = ask_remote(url, question, top_k) if url else ask_local(settings_for(corpus, index_dir), question, top_k)
    except QAError as error:
        fail(error)
    if as_json:
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
    else:
        render_answer(answer, Console())
