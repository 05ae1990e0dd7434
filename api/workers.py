"""The app of one `qa serve --workers N` worker: it ends with the process that started it (no orphans)."""

import multiprocessing

from fastapi import FastAPI

from api.main import create_app
from qa.lifetime import die_with_parent


def create_worker_app() -> FastAPI:
    """`create_app()` from the environment, in a worker that dies with its parent (uvicorn's supervisor)."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        die_with_parent(parent.pid)
    return create_app()
