"""Where the console's answers come from: the local index or a running server, behind one interface."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from cli.settings import ConsoleSettings
from qa.errors import DocumentNotFound, IndexLoadError, QAError, QuestionError

if TYPE_CHECKING:  # loading the index's modules takes half a second that remote mode never needs
    from qa.engine import Engine

_ERRORS: dict[int, type[QAError]] = {404: DocumentNotFound, 422: QuestionError, 503: IndexLoadError}


class AnswerSource(Protocol):
    """Answers and documents in the API's JSON shapes (`AskResponse`, `DocumentOut`)."""

    description: str

    def ask(self, question: str, top_k: int, history: Sequence[str] = ()) -> dict[str, Any]: ...

    def document(self, document_id: str) -> dict[str, Any]: ...


class LocalSource:
    """The built index and its encoder, loaded once in this process."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        manifest = engine.index.manifest
        self.description = f"local index {manifest.build_id} ({manifest.passages} passages)"

    def ask(self, question: str, top_k: int, history: Sequence[str] = ()) -> dict[str, Any]:
        return self.engine.answer(question, top_k, history).to_dict()

    def document(self, document_id: str) -> dict[str, Any]:
        doc = self.engine.index.corpus.get(document_id)
        return {**doc.describe(), "text": doc.text}


class RemoteSource:
    """A running `qa serve`, asked over one keep-alive HTTP connection."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.description = f"server {client.base_url}"

    def ask(self, question: str, top_k: int, history: Sequence[str] = ()) -> dict[str, Any]:
        body = {"question": question, "top_k": top_k, **({"history": list(history)} if history else {})}
        return self._call("POST", "v1/ask", json=body)

    def document(self, document_id: str) -> dict[str, Any]:
        return self._call("GET", f"v1/documents/{document_id}")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise QAError(f"Could not reach the server at {self.client.base_url}: {error}") from None
        if response.status_code != 200:
            kind = _ERRORS.get(response.status_code, QAError)
            raise kind(f"The server answered {response.status_code}: {_detail(response)}")
        body: dict[str, Any] = response.json()
        return body


@contextmanager
def open_source(settings: ConsoleSettings, url: str | None = None) -> Iterator[AnswerSource]:
    """The server at `url` if given, else the local index (built first if it is missing or stale)."""
    if url:
        with httpx.Client(base_url=url, timeout=settings.http_timeout_seconds) as client:
            yield RemoteSource(client)
    else:
        from qa.engine import load_engine
        from qa.index import ensure_index

        yield LocalSource(load_engine(settings, ensure_index(settings)))


def _detail(response: httpx.Response) -> str:
    """The error body's message: ours is {"detail": str}, FastAPI's validation errors a list."""
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text or response.reason_phrase
    if isinstance(detail, list):
        return "; ".join(str(item.get("msg", item)) for item in detail)
    return str(detail)
