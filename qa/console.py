"""Terminal rendering of answers with rich: passages, best sentence emphasised, source, disclaimer."""

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text


def passage_text(passage: dict[str, Any]) -> Text:
    """The verbatim passage, with its highlighted sentence(s) in bold."""
    text = Text(passage["text"])
    for span in passage.get("highlights", []):
        text.stylize("bold yellow", span["start"], span["end"])
    return text


def source_line(passage: dict[str, Any]) -> Text:
    parts = [passage.get("title") or passage.get("publisher") or passage["document_id"]]
    if passage.get("last_revised"):
        parts.append(f"last revised {passage['last_revised']}")
    if passage.get("url"):
        parts.append(passage["url"])
    parts.append(f"{passage['document_id']} [{passage['start']}:{passage['end']}]")
    return Text(" · ".join(parts), style="dim")


def render_answer(answer: dict[str, Any], console: Console, first: int = 1) -> None:
    """Print an answer (as the API's JSON shape) for a person at a terminal."""
    helpline = answer["helpline"]
    if not answer["answered"]:
        console.print(Panel(Text(answer["message"]), title="No answer in our sources", border_style="yellow"))
        console.print(Text(f"Helpline: {helpline['phone']} ({helpline['hours']})", style="bold"))
        return
    for number, passage in enumerate(answer["passages"], start=first):
        body = Group(passage_text(passage), Text(""), source_line(passage))
        console.print(Panel(body, title=f"{number}. score {passage['score']:.2f}", title_align="left", border_style="cyan"))
    console.print(Text(answer["disclaimer"], style="italic"))
    console.print(Text(f"Helpline: {helpline['phone']} ({helpline['hours']})", style="bold"))
