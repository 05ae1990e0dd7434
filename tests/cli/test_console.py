"""Terminal rendering (qa/console.py) and `qa ask` through the command line, on the real index."""

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.console import (
    BEST,
    CONTEXT_CHARS,
    RELATED_BANNER,
    context_text,
    osc52,
    passage_text,
    print_json,
    render_answer,
    source_line,
    surrounding,
)
from cli.main import LOADING_HINT, app
from qa.engine import Engine
from qa.publisher import PublisherTexts
from qa.settings import Settings

PILL = "Can I take immunotherapy as a pill?"
ORAL = "Oral immunotherapy is taken by mouth as a pill."
OFF_TOPIC = "What is the capital of France?"
HOURS = "Phone 24/7; live chat weekdays, 7:00 am - 6:30 pm CT"
HELPLINE = "1-800-227-2345"
runner = CliRunner()


def flat(text: str) -> str:
    """Text with every run of whitespace made one space, so terminal wrapping does not matter."""
    return " ".join(text.split())


def cli_args(settings: Settings, *args: str) -> list[str]:
    return [*args, "--corpus", str(settings.corpus), "--index-dir", str(settings.index_dir)]


def cli_env(settings: Settings) -> dict[str, str]:
    return {"QA_MODEL_CACHE": str(settings.model_cache)}


@pytest.fixture(scope="module")
def pill_answer(service: Engine) -> dict[str, Any]:
    return service.answer(PILL, 3).to_dict()


def rendered(answer: dict[str, Any], first: int = 1) -> str:
    console = Console(file=io.StringIO(), width=100)
    render_answer(answer, console, first)
    output: str = console.file.getvalue()  # type: ignore[attr-defined]
    return output


def test_passage_text_emphasises_exactly_the_best_sentences(pill_answer: dict[str, Any]) -> None:
    passage = pill_answer["passages"][0]
    text = passage_text(passage)
    emphasised = [(span.start, span.end) for span in text.spans if span.style == BEST]
    assert text.plain == passage["text"]
    assert emphasised == [(h["start"], h["end"]) for h in passage["highlights"]]
    assert passage["text"][emphasised[0][0] : emphasised[0][1]] == ORAL


def test_source_line_names_document_offsets_publisher_and_revision(pill_answer: dict[str, Any]) -> None:
    passage = pill_answer["passages"][0]
    line = source_line(passage).plain
    assert line.startswith(f"acs-immunotherapy [{passage['start']}:{passage['end']}] · American Cancer Society")
    assert "revised 2025-08-07" in line
    assert line.endswith(f"score {passage['score']:.2f}")


def test_render_answer_numbers_passages_and_ends_with_disclaimer_and_helpline(
    pill_answer: dict[str, Any], publisher: PublisherTexts
) -> None:
    output = flat(rendered(pill_answer, first=4))
    assert output.startswith(f"» {PILL} 4 {ORAL}")
    for number, passage in enumerate(pill_answer["passages"][1:], start=5):
        # A passage whose list the copy lacks says so between its text and its source.
        note = f" {flat(pill_answer['missing_list_note'])}" if passage["incomplete"] else ""
        source = f"acs-immunotherapy [{passage['start']}:{passage['end']}]"
        assert f" {number} {flat(passage['text'])}{note} {source}" in output
    assert output.endswith(
        f"{publisher.disclaimer} Helpline {HELPLINE} · Phone 24/7; live chat weekdays, 7:00 am - 6:30 pm CT"
    )


def test_render_refused_answer_shows_the_helpline_message_and_no_passages(
    service: Engine, publisher: PublisherTexts
) -> None:
    output = flat(rendered(service.answer(OFF_TOPIC, 3).to_dict()))
    assert output == f"» {OFF_TOPIC} {publisher.messages['not_found']} Helpline {HELPLINE} · {HOURS}"


@pytest.mark.parametrize(
    ("start", "end", "lines", "expected"),
    [
        (6, 8, 0, "cc"),  # the passage is its whole line
        (6, 8, 1, "bb\ncc\ndd"),
        (7, 8, 0, "cc"),  # a passage inside a line widens to the line
        (0, 2, 1, "aa\nbb"),  # no line before the first
        (12, 14, 2, "cc\ndd\nee"),  # no line after the last
        (3, 8, 1, "aa\nbb\ncc\ndd"),  # a passage across lines
    ],
)
def test_surrounding_widens_to_whole_lines(start: int, end: int, lines: int, expected: str) -> None:
    text = "aa\nbb\ncc\ndd\nee"
    before, after = surrounding(text, start, end, lines)
    assert text[before:after] == expected


def test_surrounding_is_capped_in_a_document_without_line_breaks() -> None:
    text = "word " * 2000
    before, after = surrounding(text, 5000, 5010)
    assert (before, after) == (5000 - CONTEXT_CHARS, 5010 + CONTEXT_CHARS)


def test_context_text_is_the_document_verbatim_with_the_passage_undimmed(
    service: Engine, pill_answer: dict[str, Any]
) -> None:
    passage = pill_answer["passages"][0]
    document = service.index.corpus.get(passage["document_id"]).text
    text = context_text(document, passage)
    offset = text.plain.index(passage["text"])
    assert document[passage["start"] - offset : passage["start"] - offset + len(text.plain)] == text.plain
    styles = {span.style for span in text.spans if span.start < offset + len(passage["text"]) and span.end > offset}
    assert styles == {BEST}
    assert text.plain.count("\n") == 2  # the paragraph before and the one after


@pytest.mark.parametrize("text", ["plain ascii", "it’s “quoted” — 1-800-227-2345\nsecond line", ""])
def test_osc52_carries_the_text_base64_encoded(text: str) -> None:
    sequence = osc52(text)
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\x07")
    assert base64.b64decode(sequence[7:-1]).decode("utf-8") == text


def test_print_json_is_unwrapped_json(pill_answer: dict[str, Any]) -> None:
    console = Console(file=io.StringIO(), width=40)
    print_json(pill_answer, console)
    assert json.loads(console.file.getvalue()) == pill_answer  # type: ignore[attr-defined]


def test_qa_ask_prints_passage_source_disclaimer_and_helpline(
    settings: Settings, pill_answer: dict[str, Any], publisher: PublisherTexts
) -> None:
    result = runner.invoke(app, cli_args(settings, "ask", PILL), env=cli_env(settings))
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    first = pill_answer["passages"][0]
    assert flat(first["text"]) in output
    assert f"acs-immunotherapy [{first['start']}:{first['end']}]" in output
    assert flat(publisher.disclaimer) in output
    assert f"Helpline {HELPLINE}" in output


def test_qa_ask_says_on_stderr_that_it_loads_the_model_and_how_to_keep_one_loaded(settings: Settings) -> None:
    result = runner.invoke(app, cli_args(settings, "ask", PILL, "--json"), env=cli_env(settings))
    assert result.exit_code == 0, result.output
    assert flat(LOADING_HINT) in flat(result.stderr)
    assert "qa chat" in result.stderr and "--url" in result.stderr
    assert json.loads(result.stdout)["answered"] is True  # stdout stays the answer alone


def test_qa_ask_json_is_the_api_answer(settings: Settings, pill_answer: dict[str, Any]) -> None:
    result = runner.invoke(app, cli_args(settings, "ask", PILL, "--json", "--top-k", "2"), env=cli_env(settings))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["answered"] is True
    assert answer["passages"][0]["text"].startswith(ORAL)
    assert [p["id"] for p in answer["passages"]] == [p["id"] for p in pill_answer["passages"][:2]]


def test_qa_ask_takes_its_top_k_default_and_maximum_from_settings(settings: Settings) -> None:
    env = {**cli_env(settings), "QA_TOP_K_DEFAULT": "5", "QA_TOP_K_MAX": "20"}
    result = runner.invoke(app, cli_args(settings, "ask", PILL, "--json"), env=env)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["passages"]) == 5
    result = runner.invoke(app, cli_args(settings, "ask", PILL, "--json", "--top-k", "15"), env=env)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["passages"]) == 15
    result = runner.invoke(app, cli_args(settings, "ask", PILL, "--top-k", "21"), env=env)
    assert result.exit_code == 2
    assert "21 is above QA_TOP_K_MAX (20)" in flat(result.stderr)


def test_bad_settings_stop_the_command_with_a_message(settings: Settings, tmp_path: Path) -> None:
    env = {**cli_env(settings), "QA_CLIPBOARD_FILE": str(tmp_path)}
    result = runner.invoke(app, cli_args(settings, "ask", PILL), env=env)
    assert result.exit_code == 2
    assert flat(result.stderr).startswith(f"error: invalid QA_CLIPBOARD_FILE: {tmp_path} is a folder, not a file")
    assert "Traceback" not in result.output


def test_qa_ask_off_topic_shows_the_helpline_message(settings: Settings, publisher: PublisherTexts) -> None:
    result = runner.invoke(app, cli_args(settings, "ask", OFF_TOPIC), env=cli_env(settings))
    assert result.exit_code == 0, result.output
    assert flat(publisher.messages["not_found"]) in flat(result.output)
    assert publisher.disclaimer not in flat(result.output)


@pytest.mark.parametrize("question", ["", "   ", "\t\n", "\x00\x07"])
def test_qa_ask_empty_question_exits_2_with_a_message(settings: Settings, question: str) -> None:
    result = runner.invoke(app, cli_args(settings, "ask", question), env=cli_env(settings))
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: The question is empty: please type a question."
    assert result.stdout == ""


def test_a_related_answer_starts_with_a_banner_before_its_passages(service: Engine, publisher: PublisherTexts) -> None:
    answer = service.answer("is it ok to breastfeed during immunotherapy", 2).to_dict()
    assert answer["status"] == "related"
    output = flat(rendered(answer))
    banner = output.index(flat(RELATED_BANNER))
    assert (
        banner < output.index(flat(publisher.messages["related"])) < output.index(flat(answer["passages"][0]["text"]))
    )
