"""Terminal rendering with rich: answers, a passage in its context, JSON, and the OSC 52 clipboard."""

import base64
import json
from typing import Any

from rich.console import Console, Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

# Bold and underline read on dark and light terminals alike, unlike a colour.
BEST = "bold underline"
CONTEXT_CHARS = 1500
KIND_LABELS = {
    "reference": "reference list",
    "credit": "about this document",
    "revised": "about this document",
    "helpline": "helpline",
}
RELATED_BANNER = "NOT ANSWERED IN OUR ARTICLE: the passages below are only related to the question."


def passage_text(passage: dict[str, Any], style: str = "") -> Text:
    """The verbatim passage, with its best sentence(s) emphasised."""
    text = Text(passage["text"], style=style)
    for span in passage.get("highlights", []):
        text.stylize(BEST, span["start"], span["end"])
    return text


def source_line(passage: dict[str, Any]) -> Text:
    """Where the passage is (document id and offsets) and whose words they are."""
    parts = [f"{passage['document_id']} [{passage['start']}:{passage['end']}]"]
    if passage.get("kind") in KIND_LABELS:
        parts.append(KIND_LABELS[passage["kind"]])
    parts += [passage[key] for key in ("title", "publisher") if passage.get(key)]
    if passage.get("last_revised"):
        parts.append(f"revised {passage['last_revised']}")
    if passage.get("url"):
        parts.append(passage["url"])
    parts.append(f"score {passage['score']:.2f}")
    return Text(" · ".join(parts), style="dim")


def helpline_line(helpline: dict[str, str]) -> Text:
    return Text.assemble(("Helpline ", "bold"), (helpline["phone"], "bold green"), f" · {helpline['hours']}")


def render_answer(answer: dict[str, Any], console: Console, first: int = 1) -> None:
    """Print an answer (in the API's JSON shape) compactly, for a specialist on a call.

    A `related` answer starts with a banner and its passages are dimmed, without highlights,
    so that none of them can be read out as the answer.
    """
    console.print(Text.assemble(("» ", "dim"), (answer["question"], "bold")))
    care = answer.get("urgent_care") if answer.get("urgent") else None
    if care:
        # What to do now comes first, in reverse video, with the numbers to call.
        console.print(Text(f"URGENT: {care['message']} Emergency: {care['emergency_phone']}", style="bold reverse red"))
        answer = {**answer, "message": answer["message"].replace(care["message"], "").strip()}
    related = answer.get("status") == "related" and bool(answer["passages"])
    if related:
        console.print(Text(RELATED_BANNER, style="bold reverse yellow"))
    if not answer["answered"]:
        console.print(Text(answer["message"], style="yellow"))
        if not related:
            console.print(helpline_line(answer["helpline"]))
            return
    passages = Table.grid(padding=(0, 1))
    passages.add_column(justify="right", style="bold cyan", no_wrap=True)
    passages.add_column()
    for number, passage in enumerate(answer["passages"], start=first):
        text = passage_text({**passage, "highlights": []}, "dim") if related else passage_text(passage)
        note = [Text(answer["missing_list_note"], style="italic yellow")] if passage.get("incomplete") else []
        passages.add_row(str(number), Group(text, *note, source_line(passage), Text("")))
    console.print(passages)
    console.print(Text(answer["disclaimer"], style="italic dim"))
    console.print(helpline_line(answer["helpline"]))


def surrounding(text: str, start: int, end: int, lines: int = 1) -> tuple[int, int]:
    """Bounds of the lines holding text[start:end] plus `lines` more each side, within CONTEXT_CHARS."""
    before, after = text.rfind("\n", 0, start) + 1, _line_end(text, end)
    for _ in range(lines):
        if before > 0:
            before = text.rfind("\n", 0, before - 1) + 1
        if after < len(text):
            after = _line_end(text, after + 1)
    return max(before, start - CONTEXT_CHARS), min(after, end + CONTEXT_CHARS)


def _line_end(text: str, index: int) -> int:
    found = text.find("\n", index)
    return len(text) if found < 0 else found


def context_text(document_text: str, passage: dict[str, Any], lines: int = 1) -> Text:
    """The passage in its surrounding text: the passage plain, its best sentence emphasised, the rest dim."""
    start, end = passage["start"], passage["end"]
    before, after = surrounding(document_text, start, end, lines)
    text = Text("…" if before > 0 and document_text[before - 1] != "\n" else "", style="dim")
    text.append(document_text[before:start], style="dim")
    text.append_text(passage_text({**passage, "text": document_text[start:end]}))
    text.append(document_text[end:after], style="dim")
    if after < len(document_text) and document_text[after] != "\n":
        text.append("…", style="dim")
    return text


def render_context(document: dict[str, Any], passage: dict[str, Any], number: int, console: Console) -> None:
    """Print passage `number` inside its paragraph of the document."""
    title = f"passage {number} in {passage['document_id']} [{passage['start']}:{passage['end']}]"
    console.print(Rule(title, style="cyan", align="left"))
    console.print(context_text(document["text"], passage))
    console.print(Rule(style="cyan"))


def print_json(data: Any, console: Console) -> None:
    """JSON as the API sends it, unwrapped and uncoloured so scripts can read it."""
    console.out(json.dumps(data, ensure_ascii=False, indent=2), highlight=False)


def osc52(text: str) -> str:
    """The escape sequence that asks the terminal to put `text` on the system clipboard."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\x07"
