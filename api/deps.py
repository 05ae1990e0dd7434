"""The app's typed state and the dependencies through which routes reach it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, HTTPException, Request

from qa.answer import Answer
from qa.index import Index
from qa.reindex import Reindexer
from qa.service import QAService
from qa.settings import Settings

if TYPE_CHECKING:  # api.metrics reads the state through these dependencies
    from api.metrics import Metrics

Asker = Callable[[str, int], Awaitable[Answer]]


@dataclass
class AppState:
    """Everything routes use, made by `create_app`; the lifespan fills in the service once loaded."""

    settings: Settings
    metrics: "Metrics"
    preloaded_index: Index | None = None
    service: QAService | None = None
    ask: Asker | None = None
    reindexer: Reindexer | None = None


def app_state(app: FastAPI) -> AppState:
    """The one attribute the app keeps on Starlette's untyped `app.state`."""
    state: AppState = app.state.qa
    return state


def get_state(request: Request) -> AppState:
    return app_state(request.app)


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


def _loading() -> HTTPException:
    return HTTPException(status_code=503, detail="The index is still loading; try again in a moment.")


def get_service(state: StateDep) -> QAService:
    if state.service is None:
        raise _loading()
    return state.service


def get_asker(state: StateDep) -> Asker:
    """Answers a question through the micro-batcher when it is on, else directly."""
    if state.ask is None:
        raise _loading()
    return state.ask


def get_reindexer(state: StateDep) -> Reindexer:
    if state.reindexer is None:
        raise _loading()
    return state.reindexer


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[QAService, Depends(get_service)]
AskerDep = Annotated[Asker, Depends(get_asker)]
ReindexerDep = Annotated[Reindexer, Depends(get_reindexer)]
