"""The app's typed state and the dependencies through which routes reach it.

The dependencies are coroutines: FastAPI runs a plain function dependency in its thread
pool, two thread hand-offs per request for what is an attribute read.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, HTTPException, Request

from api.settings import ApiSettings
from api.startup import Startup
from qa.errors import QAError

if TYPE_CHECKING:  # loaded in the background at start-up, so the port opens without them
    from api.asking import Asker
    from api.metrics import Metrics
    from qa.engine import Engine
    from qa.index import Index
    from qa.reindex import Reindexer


@dataclass
class AppState:
    """Everything routes use, made by `create_app`; the lifespan fills in the engine once loaded."""

    settings: ApiSettings
    metrics: "Metrics"
    preloaded_index: "Index | None" = None
    load_in_background: bool = False
    on_startup_failure: Callable[[QAError], None] = lambda error: None
    startup: Startup = field(default_factory=Startup)
    engine: "Engine | None" = None
    ask: "Asker | None" = None
    reindexer: "Reindexer | None" = None
    damaged: str | None = None  # set by api/integrity.py when a file of the live build no longer matches


def app_state(app: FastAPI) -> AppState:
    """The one attribute the app keeps on Starlette's untyped `app.state`."""
    state: AppState = app.state.qa
    return state


async def get_state(request: Request) -> AppState:
    return app_state(request.app)


StateDep = Annotated[AppState, Depends(get_state)]


class NotReady(HTTPException):
    """The app is starting up (or failed to); answered as a 503 ErrorBody by api/errors.py."""

    code = "starting_up"


def _not_ready(state: AppState) -> NotReady:
    return NotReady(status_code=503, detail=f"{state.startup.detail} Try again in a moment.")


async def get_settings(state: StateDep) -> ApiSettings:
    return state.settings


async def get_engine(state: StateDep) -> "Engine":
    if state.engine is None:
        raise _not_ready(state)
    return state.engine


async def get_asker(state: StateDep) -> "Asker":
    """Answers a question through the micro-batcher when it is on, else directly."""
    if state.ask is None:
        raise _not_ready(state)
    return state.ask


async def get_reindexer(state: StateDep) -> "Reindexer":
    if state.reindexer is None:
        raise _not_ready(state)
    return state.reindexer


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
# Forward references: FastAPI needs only the Depends at run time, before the service's modules are imported.
EngineDep = Annotated["Engine", Depends(get_engine)]
AskerDep = Annotated["Asker", Depends(get_asker)]
ReindexerDep = Annotated["Reindexer", Depends(get_reindexer)]
