"""Live servers on loopback and a headless Chromium (Debian's) driven by Playwright."""

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from api.main import create_app
from api.settings import ApiSettings
from qa.index import Index
from qa.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "test-output" / "browser"

# An immunotherapy document whose text and metadata carry markup; it must show as text.
MARKUP_TEXT = """Immunotherapy pills <b>bold</b> and plain

Some immunotherapy is taken by mouth as a pill at home. <script>window.__xss=1</script> Tablets such as \
lenalidomide are <b>bold</b> examples of oral immunotherapy taken in cycles.

Immunotherapy given by vein is usually given in a clinic or hospital every few weeks, and your care \
team watches for side effects such as tiredness, rash and diarrhea.
"""
MARKUP_META = {
    "title": '<img src="x" onerror="window.__xss=2">Pills & immunotherapy',
    "url": "javascript:window.__xss=3",
    "publisher": "Test publisher",
}


@contextmanager
def serve_in_thread(settings: ApiSettings) -> Iterator[str]:
    """Serve `create_app(settings)` with uvicorn on a free loopback port; yields its base URL."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    # Not the main thread, so uvicorn installs no signal handlers.
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("The test server stopped during startup.")
            time.sleep(0.05)
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        yield f"http://{host}:{port}/"
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture(scope="session")
def live_url(settings: ApiSettings, index: Index) -> Iterator[str]:
    """The app over the built-in article (index built once by the `index` fixture)."""
    with serve_in_thread(settings) as url:
        yield url


@pytest.fixture(scope="session")
def markup_url(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[str]:
    """The app over a one-document corpus full of markup, with its own index."""
    corpus = tmp_path_factory.mktemp("markup-corpus")
    (corpus / "markup.txt").write_text(MARKUP_TEXT, encoding="utf-8")
    (corpus / "markup.meta.json").write_text(json.dumps(MARKUP_META), encoding="utf-8")
    settings = ApiSettings(corpus=corpus, index_dir=tmp_path_factory.mktemp("markup-index"), model_cache=model_cache)
    with serve_in_thread(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running in the main thread
    # while it is open, which would break later tests that start their own (prompt_toolkit).
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized page; a new context per test, so no state leaks between tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
