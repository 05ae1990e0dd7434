"""`qa chat` and the answer sources it shares with `qa ask`: local index and a live server."""

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from cli.chat import Chat, prompt_lines
from cli.main import app
from cli.sources import LocalSource, RemoteSource, open_source
from qa.engine import Engine
from qa.errors import DocumentNotFound, QAError, QuestionError
from qa.index import Index
from tests.cli.test_console import ORAL, PILL, cli_args, cli_env, flat
from tests.conftest import console_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def server_url(settings: ApiSettings, index: Index) -> Iterator[str]:
    """The real app served by uvicorn in a thread, on a free loopback port."""
    with serving(settings) as url:
        yield url


@contextmanager
def serving(settings: ApiSettings) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def chat(service: Engine, settings: ApiSettings, tmp_path: Path) -> Chat:
    """A chat on the local index writing to a string, with :copy going to a file."""
    chat_settings = console_settings(settings, clipboard_file=tmp_path / "clipboard.txt")
    return Chat(LocalSource(service), chat_settings, 3, Console(file=io.StringIO(), width=100))


def output_of(chat: Chat) -> str:
    text: str = chat.console.file.getvalue()  # type: ignore[attr-defined]
    chat.console.file = io.StringIO()
    return text


def test_more_adds_only_new_passages_and_numbers_them_on(chat: Chat) -> None:
    chat.handle(PILL)
    first = [p["id"] for p in chat.passages]
    output_of(chat)
    chat.handle(":more")
    ids = [p["id"] for p in chat.passages]
    assert ids[:3] == first and len(ids) == 6 == len(set(ids))
    output = flat(output_of(chat))
    assert f" 4 {flat(chat.passages[3]['text'])}" in output
    assert flat(chat.passages[0]["text"]) not in output


def test_more_stops_at_the_most_passages_a_question_gets(chat: Chat) -> None:
    chat.handle(PILL)
    for _ in range(5):
        chat.handle(":more")
    assert len(chat.passages) == chat.settings.top_k_max
    assert output_of(chat).rstrip().endswith("That is all: 10 passages is the most one question gets.")


def test_more_against_a_server_goes_up_to_its_top_k_max(settings: ApiSettings, index: Index) -> None:
    """QA_TOP_K_MAX=20 on both sides: :more asks the server for 15 and then 20 passages."""
    wide = settings.model_copy(update={"top_k_max": 20})
    with serving(wide) as url, open_source(console_settings(wide), url) as source:
        chat = Chat(source, console_settings(wide), 5, Console(file=io.StringIO(), width=100))
        chat.handle(PILL)
        for _ in range(4):
            chat.handle(":more")
    assert "error" not in output_of(chat)
    assert len(chat.passages) == 20 == len({p["id"] for p in chat.passages})


def test_copy_writes_the_passage_verbatim(chat: Chat) -> None:
    chat.handle(PILL)
    output_of(chat)
    chat.handle(":copy 2")
    target = chat.settings.clipboard_file
    assert target is not None and target.read_bytes() == chat.passages[1]["text"].encode("utf-8")
    assert flat(output_of(chat)) == f"Copied passage 2 ({len(chat.passages[1]['text'])} characters) to {target}."


def test_copy_says_so_when_there_is_nowhere_to_copy_to(service: Engine, settings: ApiSettings) -> None:
    chat = Chat(LocalSource(service), console_settings(settings), 3, Console(file=io.StringIO(), width=200))
    chat.handle(PILL)
    output_of(chat)
    chat.handle(":copy 1")
    assert (
        output_of(chat).strip() == "Passage 1 was not copied: this is not a terminal and QA_CLIPBOARD_FILE is not set."
    )


def test_copy_at_a_terminal_sends_osc52(service: Engine, settings: ApiSettings) -> None:
    chat = Chat(
        LocalSource(service), console_settings(settings), 3, Console(file=io.StringIO(), width=300, force_terminal=True)
    )
    chat.handle(PILL)
    output_of(chat)
    chat.handle(":copy 1")
    output = output_of(chat)
    assert output.startswith("\x1b]52;c;")
    assert "Copied passage 1 (438 characters) to the clipboard (through your terminal, if it allows OSC 52)." in output


def test_json_toggle_prints_the_api_answer(chat: Chat) -> None:
    chat.handle(":json")
    assert output_of(chat).strip() == "Answers now print as the API's JSON."
    chat.handle(PILL)
    answer = json.loads(output_of(chat))
    assert answer["answered"] is True and answer["passages"][0]["text"].startswith(ORAL)
    chat.handle(":json")
    assert output_of(chat).strip() == "Answers now print formatted."


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([":more"], "Nothing to add to: ask a question that has an answer first."),
        ([":copy 1"], "No passages yet: ask a question, then :copy N."),
        ([":context 1"], "No passages yet: ask a question, then :context N."),
        ([PILL, ":context 0"], "Type :context N, with N from 1 to 3."),
        ([PILL, ":copy 4"], "Type :copy N, with N from 1 to 3."),
        ([PILL, ":copy one"], "Type :copy N, with N from 1 to 3."),
        ([":frobnicate"], "Unknown command :frobnicate: :help lists the commands."),
        (["What is the capital of France?", ":more"], "Nothing to add to: ask a question that has an answer first."),
        (["x" * 1001], "error: The question is 1001 characters long; the limit is 1000."),
    ],
)
def test_mistakes_get_a_message_and_the_session_goes_on(chat: Chat, lines: list[str], message: str) -> None:
    assert all(chat.handle(line) for line in lines)
    assert output_of(chat).rstrip().endswith(message)


def test_help_documents_every_command_and_where_copies_go(chat: Chat) -> None:
    chat.handle(":help")
    output = output_of(chat)
    documented = {line.split()[0] for line in output.splitlines() if line.startswith("  :")}
    assert documented == {*chat.commands, ":q"}
    assert f"to the clipboard and to {chat.settings.clipboard_file}" in flat(output)


@pytest.mark.parametrize("line", [":q", ":quit", "  :q  ", ":q now", ":quit please"])
def test_quit_commands_end_the_session(chat: Chat, line: str) -> None:
    assert chat.handle(line) is False


def test_prompt_recalls_history_with_the_up_arrow_and_leaves_on_ctrl_d() -> None:
    with create_pipe_input() as pipe:
        session: PromptSession[str] = PromptSession(history=InMemoryHistory(), input=pipe, output=DummyOutput())
        lines = prompt_lines(session)
        # Keys are sent prompt by prompt, as a person types them once the prompt is drawn.
        pipe.send_text(f"{PILL}\r")
        assert next(lines) == PILL
        pipe.send_text("\x1b[A\r")  # up arrow, Enter
        assert next(lines) == PILL
        pipe.send_text("\x04")  # Ctrl-D
        assert list(lines) == []


def test_ctrl_c_clears_the_line_being_typed_and_the_prompt_goes_on() -> None:
    with create_pipe_input() as pipe:
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        lines = prompt_lines(session)
        pipe.send_text("first\r")
        assert next(lines) == "first"
        pipe.send_text("half a quest\x03")  # Ctrl-C
        pipe.send_text("second\r")
        assert next(lines) == "second"
        pipe.send_text("\x04")  # Ctrl-D
        assert list(lines) == []


def scripted_chat(settings: ApiSettings, tmp_path: Path, *options: str) -> tuple[str, Path]:
    clipboard = tmp_path / "clipboard.txt"
    script = f"{PILL}\n:more\n:context 1\n:copy 1\n:q\nWhat is the capital of France?\n"
    # Wide enough that the clipboard's path (long under pytest-xdist) is not wrapped mid-word.
    env = {**cli_env(settings), "QA_CLIPBOARD_FILE": str(clipboard), "COLUMNS": "400"}
    result = runner.invoke(app, cli_args(settings, "chat", *options), input=script, env=env)
    assert result.exit_code == 0, result.output
    return flat(result.output), clipboard


def assert_scripted_session(output: str, clipboard: Path, answer: dict[str, Any], document: str) -> None:
    first = answer["passages"][0]
    assert output.count(f"» {PILL}") == 2  # the question, then :more
    assert f" 1 {flat(first['text'])}" in output and " 4 " in output and " 6 " in output
    context = f"passage 1 in acs-immunotherapy [{first['start']}:{first['end']}]"
    next_paragraph = document[first["end"] :].strip().splitlines()[0]
    assert context in output and flat(next_paragraph) in output.split(context)[1]
    assert f"Copied passage 1 ({len(first['text'])} characters) to {clipboard}." in output
    assert clipboard.read_text(encoding="utf-8") == first["text"]
    assert "capital of France" not in output  # after :q nothing more is read


def test_chat_scripted_on_the_local_index(settings: ApiSettings, service: Engine, tmp_path: Path) -> None:
    output, clipboard = scripted_chat(settings, tmp_path)
    assert output.startswith(f"Answers from the local index {service.index.manifest.build_id}")
    answer = service.answer(PILL, 3).to_dict()
    assert_scripted_session(output, clipboard, answer, service.index.corpus.get("acs-immunotherapy").text)


def test_chat_scripted_against_a_live_server(
    settings: ApiSettings, service: Engine, server_url: str, tmp_path: Path
) -> None:
    output, clipboard = scripted_chat(settings, tmp_path, "--url", server_url)
    assert output.startswith(f"Answers from the server {server_url}")
    answer = service.answer(PILL, 3).to_dict()
    assert_scripted_session(output, clipboard, answer, service.index.corpus.get("acs-immunotherapy").text)


def test_chat_ends_cleanly_at_the_end_of_input(settings: ApiSettings) -> None:
    result = runner.invoke(app, cli_args(settings, "chat"), input=f"{PILL}\n", env=cli_env(settings))
    assert result.exit_code == 0
    assert ORAL in flat(result.output)


def test_ask_against_a_live_server_matches_the_local_answer(
    settings: ApiSettings, service: Engine, server_url: str
) -> None:
    result = runner.invoke(app, ["ask", PILL, "--json", "--url", server_url], env=cli_env(settings))
    assert result.exit_code == 0, result.output
    remote = json.loads(result.stdout)
    local = LocalSource(service).ask(PILL, 3)
    assert [(p["id"], p["text"], p["highlights"]) for p in remote["passages"]] == [
        (p["id"], p["text"], p["highlights"]) for p in local["passages"]
    ]
    rich_result = runner.invoke(app, ["ask", PILL, "--url", server_url], env=cli_env(settings))
    assert rich_result.exit_code == 0 and flat(local["passages"][0]["text"]) in flat(rich_result.output)


def test_remote_source_documents_match_the_local_ones(service: Engine, server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        assert RemoteSource(client).document("acs-immunotherapy") == LocalSource(service).document("acs-immunotherapy")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda s: s.ask("x" * 1001, 3),
            QuestionError,
            "The server answered 422: String should have at most 1000 characters",
        ),
        (lambda s: s.ask(PILL, 11), QuestionError, "The server answered 422: Input should be less than or equal to 10"),
        (
            lambda s: s.document("no-such-document"),
            DocumentNotFound,
            "The server answered 404: No document with id 'no-such-document'.",
        ),
    ],
)
def test_remote_source_turns_server_errors_into_domain_errors(
    server_url: str, call: Any, error: type[QAError], message: str
) -> None:
    with httpx.Client(base_url=server_url) as client, pytest.raises(error) as raised:
        call(RemoteSource(client))
    assert str(raised.value) == message


def test_ask_exits_1_when_the_server_cannot_be_reached(settings: ApiSettings) -> None:
    with socket.socket() as closed:  # bound but not listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        result = runner.invoke(app, ["ask", PILL, "--url", url], env=cli_env(settings))
    assert result.exit_code == 1
    # Other tests' live servers may log to stderr meanwhile: look for our line among them.
    assert f"error: Could not reach the server at {url}" in flat(result.stderr)
    assert "Traceback" not in result.stderr


FOLLOW_UP = "how is it given?"
TOPIC = "What is intravesical therapy?"


def test_chat_sends_earlier_questions_and_new_starts_afresh(chat: Chat) -> None:
    chat.handle(TOPIC)
    output_of(chat)
    chat.handle(FOLLOW_UP)
    followed = output_of(chat)
    assert f"Understood as a follow-up to: “{TOPIC}”" in followed
    assert "infused directly into the bladder" in flat(followed)
    chat.handle(":more")  # more passages for the follow-up as it was understood
    assert chat.asked_with == [TOPIC]
    chat.handle(":new")
    assert "New conversation" in output_of(chat)
    chat.handle(FOLLOW_UP)
    alone = output_of(chat)
    assert "follow-up" not in alone and chat.asked_with == []


def test_chat_sends_at_most_the_history_limit(chat: Chat) -> None:
    for number in range(chat.settings.history_max + 2):
        chat.handle(f"What is immunotherapy, question {number}?")
    assert len(chat.asked_with) == chat.settings.history_max
    assert len(chat.history) == chat.settings.history_max + 1


def test_chat_follow_ups_through_a_live_server(settings: ApiSettings, server_url: str) -> None:
    script = f"{TOPIC}\n{FOLLOW_UP}\n:new\n{FOLLOW_UP}\n"
    result = runner.invoke(app, cli_args(settings, "chat", "--url", server_url), input=script, env=cli_env(settings))
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert output.count("Understood as a follow-up to") == 1
    follow_up = output.split(f"» {FOLLOW_UP}")[1]
    assert "infused directly into the bladder" in follow_up.split("Understood as a follow-up")[0]


def test_remote_source_sends_history_like_the_local_one(service: Engine, server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        remote = RemoteSource(client).ask(FOLLOW_UP, 3, [TOPIC])
    local = LocalSource(service).ask(FOLLOW_UP, 3, [TOPIC])
    assert remote["context_used"] == local["context_used"] == [0]
    assert [p["id"] for p in remote["passages"]] == [p["id"] for p in local["passages"]]
