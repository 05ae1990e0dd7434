"""Build the FastAPI app from a Settings object; the lifespan loads the index once."""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import metrics
from api.access_log import AccessLog, access_logger
from api.errors import install_error_handlers
from api.limits import install_limits, limit_responses
from api.routes import admin, ask, documents, health, web
from api.security import SecurityHeaders
from qa.answer import Answer
from qa.batching import MicroBatcher
from qa.index import Index, ensure_index
from qa.reindex import Reindexer, watching
from qa.service import QAService
from qa.settings import Settings

log = logging.getLogger("api")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    service = QAService(settings, app.state.preloaded_index or ensure_index(settings))
    app.state.preloaded_index = None  # from now on the service holds the live index
    if settings.micro_batching:
        batcher: MicroBatcher[tuple[str, int], Answer] = MicroBatcher(
            service.ask_many, settings.batch_max, settings.batch_workers
        )

        async def ask_question(question: str, top_k: int, history: Sequence[str] = ()) -> Answer:
            if history:  # a follow-up searches with its own history: it does not share a batch
                return await asyncio.to_thread(service.ask, question, top_k, history)
            return await batcher.submit((question, top_k))
    else:

        async def ask_question(question: str, top_k: int, history: Sequence[str] = ()) -> Answer:
            return service.ask(question, top_k, history)

    app.state.ask = ask_question
    app.state.service = service
    app.state.reindexer = Reindexer(service)
    log.info("Ready: index %s, %d passages.", service.index.manifest.build_id, service.index.manifest.passages)
    async with watching(app.state.reindexer, settings.index_watch_seconds):
        yield
    app.state.service = None


def create_app(settings: Settings | None = None, index: Index | None = None) -> FastAPI:
    """The whole HTTP app; tests pass their own settings, `qa serve` reads the environment.

    `index`, when given, is served instead of loading the settings' index at start-up.
    """
    settings = settings or Settings()
    app = FastAPI(
        title="Cancer information QA",
        version="0.1.0",
        summary="Verbatim passages from trusted cancer information, with the helpline as the human fallback.",
        lifespan=_lifespan,
        responses=limit_responses(settings),
    )
    app.state.settings = settings
    app.state.preloaded_index = index
    app.state.service = None
    install_error_handlers(app)
    install_limits(app, settings)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )
    app.state.metrics = metrics.Metrics(lambda: app.state.service)
    hash_key = settings.log_hash_key.get_secret_value().encode() if settings.log_hash_key else secrets.token_bytes(32)
    app.add_middleware(
        AccessLog, observers=[access_logger(settings.log_questions, hash_key), app.state.metrics.observe]
    )
    # Added last so it is outermost: preflight and error responses get the headers too.
    app.add_middleware(
        SecurityHeaders,
        frame_ancestors=settings.frame_ancestors,
        csp_exempt=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url),
    )
    for module in (ask, documents, health, web):
        app.include_router(module.router)
    if settings.admin_token is not None:
        # Without a token the admin endpoint does not exist at all, not even in the schema.
        app.include_router(admin.router)
    app.include_router(metrics.router)
    return app
