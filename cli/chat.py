"""`qa chat`: a session that loads its answer source once, then answers question after question."""

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from cli.console import osc52, print_json, render_answer, render_context
from cli.settings import ConsoleSettings
from cli.sources import AnswerSource
from qa.errors import QAError

if TYPE_CHECKING:  # prompt_toolkit is imported only when a person is typing
    from prompt_toolkit import PromptSession

PROMPT = "qa> "
QUIT = (":q", ":quit")
HELP = """\
Type a question and press Enter; up and down arrows recall earlier ones. Commands:
  :more         the next passages for the last question (up to {top_k_max} in all)
  :context N    passage N inside its paragraph of the source document
  :copy N       copy passage N, word for word, to the clipboard{copy_file}
  :json         switch between this view and the API's JSON
  :new          start a new conversation: earlier questions no longer help understand the next
  :help         this list
  :q            leave (Ctrl-D also leaves; Ctrl-C clears the line being typed)"""


class UsageError(Exception):
    """A command typed wrongly; its message says how to type it."""


class Chat:
    """One session: the answer source, the last question, and the passages shown for it, numbered."""

    def __init__(self, source: AnswerSource, settings: ConsoleSettings, top_k: int, console: Console) -> None:
        self.source = source
        self.settings = settings
        self.top_k = top_k
        self.console = console
        self.as_json = False
        self.question: str | None = None
        self.passages: list[dict[str, Any]] = []
        # The session's last questions, sent along to understand follow-ups; in memory only.
        self.history: list[str] = []
        self.asked_with: list[str] = []
        self.commands: dict[str, Callable[[str], None]] = {
            ":more": self.more,
            ":context": self.context,
            ":copy": self.copy,
            ":json": self.toggle_json,
            ":new": self.new_conversation,
            ":help": self.help,
        }

    def handle(self, line: str) -> bool:
        """Act on one line of input; False when the session should end."""
        line = line.strip()
        name, _, argument = line.partition(" ")
        if name in QUIT:  # ":q" followed by anything still leaves
            return False
        try:
            if line and not line.startswith(":"):
                self.ask(line)
            elif name in self.commands:
                self.commands[name](argument.strip())
            elif line:
                raise UsageError(f"Unknown command {name}: :help lists the commands.")
        except UsageError as error:
            self.say(str(error))
        except QAError as error:
            self.console.print(Text(f"error: {error}", style="bold red"))
        return True

    def ask(self, question: str) -> None:
        earlier = self.history[-self.settings.history_max :] if self.settings.history_max else []
        answer = self.source.ask(question, self.top_k, earlier)
        self.question, self.passages, self.asked_with = answer["question"], answer["passages"], earlier
        self.history = [*earlier, answer["question"]]
        self.show(answer)
        used = answer.get("context_used") or []
        if used and not self.as_json:
            quoted = "; ".join(f"“{earlier[i]}”" for i in used)
            self.say(f"Understood as a follow-up to: {quoted}. Type :new to start a new conversation.")

    def new_conversation(self, _: str) -> None:
        self.history, self.asked_with = [], []
        self.say("New conversation: earlier questions are forgotten.")

    def more(self, _: str) -> None:
        if self.question is None or not self.passages:
            raise UsageError("Nothing to add to: ask a question that has an answer first.")
        top_k = min(len(self.passages) + self.top_k, self.settings.top_k_max)
        if top_k <= len(self.passages):
            raise UsageError(f"That is all: {len(self.passages)} passages is the most one question gets.")
        answer = self.source.ask(self.question, top_k, self.asked_with)
        shown = {passage["id"] for passage in self.passages}
        new = [passage for passage in answer["passages"] if passage["id"] not in shown]
        if not new:
            raise UsageError("Our sources have no further passages for this question.")
        first = len(self.passages) + 1
        self.passages += new
        self.show({**answer, "passages": new}, first)

    def context(self, argument: str) -> None:
        number, passage = self.passage(argument, ":context")
        render_context(self.source.document(passage["document_id"]), passage, number, self.console)

    def copy(self, argument: str) -> None:
        number, passage = self.passage(argument, ":copy")
        text: str = passage["text"]
        places = []
        if self.console.is_terminal:
            self.console.file.write(osc52(text))
            self.console.file.flush()
            places.append("the clipboard (through your terminal, if it allows OSC 52)")
        if self.settings.clipboard_file:
            try:
                # Bytes, so the copy is exact: no newline translation, no trailing newline.
                self.settings.clipboard_file.write_bytes(text.encode("utf-8"))
                places.append(str(self.settings.clipboard_file))
            except OSError as error:
                self.say(f"Could not write {self.settings.clipboard_file}: {error.strerror}.")
        if places:
            self.say(f"Copied passage {number} ({len(text)} characters) to {' and '.join(places)}.")
        else:
            self.say(f"Passage {number} was not copied: this is not a terminal and QA_CLIPBOARD_FILE is not set.")

    def toggle_json(self, _: str) -> None:
        self.as_json = not self.as_json
        self.say("Answers now print as the API's JSON." if self.as_json else "Answers now print formatted.")

    def help(self, _: str) -> None:
        copy_file = f" and to {self.settings.clipboard_file}" if self.settings.clipboard_file else ""
        self.say(HELP.format(top_k_max=self.settings.top_k_max, copy_file=copy_file))

    def passage(self, argument: str, command: str) -> tuple[int, dict[str, Any]]:
        """Passage number `argument` of the last answer, counted as shown."""
        if not self.passages:
            raise UsageError(f"No passages yet: ask a question, then {command} N.")
        if not argument.isdigit() or not 1 <= int(argument) <= len(self.passages):
            raise UsageError(f"Type {command} N, with N from 1 to {len(self.passages)}.")
        return int(argument), self.passages[int(argument) - 1]

    def show(self, answer: dict[str, Any], first: int = 1) -> None:
        if self.as_json:
            print_json(answer, self.console)
        else:
            render_answer(answer, self.console, first)

    def say(self, message: str) -> None:
        self.console.print(Text(message, style="dim"))


def prompt_lines(session: "PromptSession[str]") -> Iterator[str]:
    """Lines typed at the prompt, until Ctrl-D; Ctrl-C drops the line being typed, as in a shell."""
    while True:
        try:
            yield session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def input_lines(console: Console) -> Iterator[str]:
    """A prompt with arrow-key history at a terminal; otherwise lines as they come from a pipe or file."""
    if not (sys.stdin.isatty() and console.is_terminal):
        return iter(sys.stdin)
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    # In memory only: questions are health information and are not written to disk.
    return prompt_lines(PromptSession(history=InMemoryHistory()))


def run_chat(source: AnswerSource, settings: ConsoleSettings, top_k: int, console: Console) -> None:
    """Answer each line until :q or the end of input; Ctrl-C while an answer is on its way leaves cleanly."""
    chat = Chat(source, settings, top_k, console)
    chat.say(f"Answers from the {source.description}. Type a question; :help lists commands, :q leaves.")
    try:
        for line in input_lines(console):
            if not chat.handle(line):
                break
    except KeyboardInterrupt:
        pass
