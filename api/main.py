"""Build the FastAPI app from a Settings object; the lifespan loads the index once, maybe in the background."""

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import metrics
from api.access_log import AccessLog, access_logger
from api.deps import AppState, app_state
from api.errors import install_error_handlers
from api.head import HeadAsGet
from api.integrity import verifying
from api.limits import install_limits, limit_responses
from api.probe_port import ProbePortOnlyProbes
from api.routes import admin, ask, docs, documents, health, web
from api.routes import metrics as metrics_route
from api.security import SecurityHeaders
from api.settings import ApiSettings
from api.startup import in_daemon_thread
from qa.errors import QAError
from qa.settings import Settings

if TYPE_CHECKING:  # the heavy modules load in the lifespan, so `qa serve` opens its port sooner
    from qa.engine import Engine
    from qa.index import Index

log = logging.getLogger("api")


def _open_engine(state: AppState) -> "Engine":
    """The engine of the settings' index, once it has passed its self-test; run in a thread."""
    # Imported here, in the thread: these imports alone take seconds and must not hold up the port.
    from qa.engine import load_engine
    from qa.index import ensure_index
    from qa.selftest import self_test

    settings, startup = state.settings, state.startup
    # What questions load on first use loads on the other core meanwhile, so no first question waits.
    with ThreadPoolExecutor(1) as pool:
        preloaded = pool.submit(_preload, settings)
        index = state.preloaded_index or ensure_index(settings, on_build=lambda: startup.enter("building"))
        startup.enter("loading")
        engine = load_engine(settings, index, on_recheck=state.metrics.rechecked.inc)
        preloaded.result()
    started_test = time.perf_counter()
    self_test(engine)  # ready means it answers right (docs/reliability.md)
    log.info("Self-test passed in %.0f ms.", (time.perf_counter() - started_test) * 1000)
    return engine


async def _serve(app: FastAPI, started: asyncio.Event) -> None:
    """Build or load the index, then answer and watch for new builds until cancelled at shutdown."""
    state = app_state(app)
    try:
        engine = await in_daemon_thread(lambda: _open_engine(state))
    except Exception as error:
        if not isinstance(error, QAError):
            log.exception("Start-up failed unexpectedly.")
            error = QAError(f"Start-up failed unexpectedly ({type(error).__name__}: {error}).")
        state.startup.fail(error)
        started.set()
        state.on_startup_failure(error)
        return
    from api.asking import Asker  # its modules are imported by the thread already
    from qa.reindex import Reindexer, watching

    state.preloaded_index = None  # from now on the engine holds the live index
    state.engine, state.ask, state.reindexer = engine, Asker(engine, state.settings), Reindexer(engine)
    state.startup.enter("ready")
    started.set()
    log.info("Ready: index %s, %d passages.", engine.index.manifest.build_id, engine.index.manifest.passages)
    async with (
        watching(state.reindexer, state.settings.index_watch_seconds),
        verifying(state, state.settings.index_verify_seconds),
    ):
        await asyncio.Event().wait()  # until cancelled


def _preload(settings: Settings) -> None:
    """Load the language detector (0.6 s) and the English dictionary (0.13 s) before the service is ready."""
    from qa.language import load_detector
    from qa.spelling import load_dictionary

    load_detector(settings)
    load_dictionary()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app_state(app)
    started = asyncio.Event()
    serving = asyncio.create_task(_serve(app, started))
    if not state.load_in_background:
        await started.wait()
        if state.startup.error:
            raise state.startup.error
    try:
        yield
    finally:
        if state.reindexer is not None:
            state.reindexer.cancel()  # a rebuild still running at shutdown is abandoned
        serving.cancel()
        with suppress(asyncio.CancelledError):
            await serving
        state.engine = state.ask = state.reindexer = None


def create_app(
    settings: ApiSettings | None = None,
    index: "Index | None" = None,
    *,
    load_in_background: bool = False,
    on_startup_failure: Callable[[QAError], None] | None = None,
) -> FastAPI:
    """The whole HTTP app; tests pass their own settings, `qa serve` reads the environment.

    `index`, when given, is served instead of loading the settings' index at start-up. With
    `load_in_background` (`qa serve`) the app answers at once: /healthz 200, /readyz and questions
    503 saying what it is doing, until the index is built or loaded; `on_startup_failure` is then
    told if that fails. Otherwise start-up waits for the index (and raises its error).
    """
    settings = settings or ApiSettings()
    app = FastAPI(
        title="Cancer information QA",
        version="0.1.0",
        summary="Verbatim passages from trusted cancer information, with the helpline as the human fallback.",
        lifespan=_lifespan,
        responses=limit_responses(settings),
        docs_url=None,  # served by api/routes/docs.py from packaged assets instead of a CDN
        redoc_url=None,
    )
    state = AppState(
        settings,
        metrics.Metrics(lambda: state.engine),
        preloaded_index=index,
        load_in_background=load_in_background,
    )
    if on_startup_failure is not None:
        state.on_startup_failure = on_startup_failure
    app.state.qa = state
    install_error_handlers(app)
    _add_middleware(app, settings, state)
    _include_routes(app, settings)
    return app


def _add_middleware(app: FastAPI, settings: ApiSettings, state: AppState) -> None:
    """The app's middleware, innermost first: HEAD, limits, the probe port, CORS, the access log, headers."""
    app.add_middleware(HeadAsGet)
    install_limits(app, settings, on_storage_failure=state.metrics.limit_storage_failures.inc)
    if settings.probe_port is not None:
        app.add_middleware(ProbePortOnlyProbes, port=settings.probe_port)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        expose_headers=["Retry-After"],
    )
    hash_key = settings.log_hash_key.get_secret_value().encode() if settings.log_hash_key else secrets.token_bytes(32)
    app.add_middleware(AccessLog, observers=[access_logger(settings.log_questions, hash_key), state.metrics.observe])
    # Added last so it is outermost: preflight and error responses get the headers too.
    app.add_middleware(
        SecurityHeaders,
        frame_ancestors=settings.frame_ancestors,
        docs_paths=(docs.SWAGGER_PATH, docs.REDOC_PATH),
    )


def _include_routes(app: FastAPI, settings: ApiSettings) -> None:
    """The app's routes; the admin endpoint only when an admin token is set."""
    app.include_router(ask.router(settings))
    for module in (documents, health, web, docs):
        app.include_router(module.router)
    if settings.admin_token is not None:
        # Without a token the admin endpoint does not exist at all, not even in the schema.
        app.include_router(admin.router)
    app.include_router(metrics_route.router)
