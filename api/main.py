"""Build the FastAPI app from a Settings object; the lifespan loads the index once."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.errors import install_error_handlers
from api.routes import ask, documents, health
from qa.answer import Answer
from qa.batching import MicroBatcher
from qa.index import ensure_index
from qa.service import QAService
from qa.settings import Settings

log = logging.getLogger("api")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    service = QAService(settings, ensure_index(settings))
    if settings.micro_batching:
        batcher: MicroBatcher[tuple[str, int], Answer] = MicroBatcher(service.ask_many, settings.batch_max)

        async def ask_question(question: str, top_k: int) -> Answer:
            return await batcher.submit((question, top_k))
    else:

        async def ask_question(question: str, top_k: int) -> Answer:
            return service.ask(question, top_k)

    app.state.ask = ask_question
    app.state.service = service
    log.info("Ready: index %s, %d passages.", service.index.manifest.build_id, service.index.manifest.passages)
    yield
    app.state.service = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """The whole HTTP app; tests pass their own settings, `qa serve` reads the environment."""
    settings = settings or Settings()
    app = FastAPI(
        title="Cancer information QA",
        version="0.1.0",
        summary="Verbatim passages from trusted cancer information, with the helpline as the human fallback.",
        lifespan=_lifespan,
        max_body_size=settings.max_body_bytes,
    )
    app.state.settings = settings
    app.state.service = None
    install_error_handlers(app)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type"])
    for module in (ask, documents, health):
        app.include_router(module.router)
    return app
