"""The chat embedded in another origin's page with the documented snippet and host-page CSP (api/static/embed.js)."""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Frame, Locator, Page, expect

from api.settings import ApiSettings
from qa.index import Index
from tests.browser.conftest import serve_in_thread
from tests.browser.test_chat_page import ANSWER_WAIT_MS, PILL

pytestmark = pytest.mark.browser

# docs/deployment.md: the snippet and the CSP a host page needs for it (SERVICE is the QA service's origin).
SNIPPET = '<script src="SERVICE/static/embed.js" defer></script>'
HOST_CSP = "default-src 'self'; script-src 'self' SERVICE; style-src 'self' SERVICE; frame-src SERVICE"
HOSTILE_CSS = "* { all: unset !important; font-size: 4px !important; }"
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A partner's page</title>STYLE</head>
<body><main><h1>Our patient guide</h1><p>Questions about treatment? Ask below.</p></main>SNIPPET</body></html>
"""


@contextmanager
def host_site(hostile: bool) -> Iterator[tuple[str, list[str]]]:
    """A host page on its own loopback port; yields its origin and a list to put the service's URL in."""
    service: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            origin = service[0].rstrip("/")
            style = '<link rel="stylesheet" href="/hostile.css">' if hostile else ""
            page = HOST_PAGE.replace("STYLE", style).replace("SNIPPET", SNIPPET.replace("SERVICE", origin))
            body, kind = (HOSTILE_CSS, "text/css") if self.path == "/hostile.css" else (page, "text/html")
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Security-Policy", HOST_CSP.replace("SERVICE", origin))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", service
    finally:
        server.shutdown()
        server.server_close()  # the listening socket, which shutdown() leaves open
        thread.join()


@contextmanager
def embedded(settings: ApiSettings, allowed: bool, hostile: bool = False) -> Iterator[str]:
    """The host page's URL, embedding a service that allows (or not) the host's origin to frame its chat."""
    with host_site(hostile) as (origin, service):
        ancestors = [origin] if allowed else []
        with serve_in_thread(settings.model_copy(update={"frame_ancestors": ancestors})) as url:
            service.append(url)
            yield origin + "/"


def open_chat(page: Page, url: str) -> Frame:
    page.goto(url)
    page.get_by_role("button", name="Ask about cancer immunotherapy").click()
    expect(page.get_by_role("region", name="Ask about cancer immunotherapy")).to_be_visible()
    return chat_frame(page)


def chat_frame(page: Page) -> Frame:
    """The panel's frame (Playwright's selectors enter the open shadow root) once it has loaded."""
    iframe = page.locator("iframe")
    expect(iframe).to_have_attribute("src", re.compile("^http"))
    frame = iframe.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    return frame


def ask(frame: Frame, question: str) -> Locator:
    box = frame.get_by_label("Your question", exact=True)
    box.fill(question)
    box.press("Enter")
    answer = frame.locator("article.exchange").filter(has_text=question).last.locator(".answer:not(.waiting)")
    expect(answer).to_be_visible(timeout=ANSWER_WAIT_MS)
    return answer


def serious(results: Any) -> list[tuple[str, str]]:
    return [(v["id"], v["impact"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_another_origin_embeds_the_chat_and_gets_answers(page: Page, settings: ApiSettings, index: Index) -> None:
    errors: list[str] = []  # script errors and CSP violations, in the host page or the frame
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    with embedded(settings, allowed=True) as url:
        frame = open_chat(page, url)
        expect(ask(frame, "is it ok to breastfeed during immunotherapy")).to_have_class("answer related")
        answered = ask(frame, "What is intravesical therapy?")
        expect(answered).to_have_class("answer")
        expect(answered.locator(".disclaimer")).to_be_visible()
        expect(answered.locator("a[href^='tel:']").first).to_be_attached()
        follow_up = ask(frame, "how is it given?")
        expect(follow_up.locator(".passage").first).to_contain_text("infused directly into the bladder")
        expect(frame.locator("article.exchange").last.locator(".follow-up-note")).to_be_visible()
        assert errors == []  # checked before axe, which sets inline styles the host's CSP refuses
        assert serious(Axe().run(page)) == []  # the launcher and the panel, in the host page
        assert serious(Axe().run(cast(Page, frame))) == []  # the chat in the frame (Axe only calls evaluate)
        page.get_by_role("button", name="Close").click()
        expect(page.get_by_role("button", name="Ask about cancer immunotherapy")).to_be_focused()


def test_a_hostile_host_stylesheet_leaves_the_chat_readable(
    browser: Browser, settings: ApiSettings, index: Index
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    with embedded(settings, allowed=True, hostile=True) as url:
        frame = open_chat(page, url)
        answer = ask(frame, PILL)
        expect(answer.locator(".passage").first).to_contain_text("Oral immunotherapy is taken by mouth as a pill")
        panel = page.locator("#qa-panel").bounding_box()
        assert panel is not None and panel["width"] == 390 and panel["height"] == 844  # the whole phone screen
        sizes = frame.evaluate(
            "[...document.querySelectorAll('blockquote, #question, .disclaimer')]"
            ".map((el) => parseFloat(getComputedStyle(el).fontSize))"
        )
        assert sizes and min(sizes) >= 14, sizes
        close = page.get_by_role("button", name="Close")
        assert close.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)") == 16
        expect(answer.locator(".passage").first).to_be_in_viewport()
    context.close()


def test_the_host_pages_own_styles_are_untouched(page: Page, settings: ApiSettings, index: Index) -> None:
    signature = "[...document.querySelectorAll('main, main *')].map((el) => getComputedStyle(el).cssText"
    signature += " || [...getComputedStyle(el)].map((p) => getComputedStyle(el).getPropertyValue(p)).join(';'))"
    with embedded(settings, allowed=True) as url:
        page.route("**/static/embed.js", lambda route: route.abort())
        page.goto(url)
        without = page.evaluate(signature)
        page.unroute("**/static/embed.js")
        page.goto(url)
        expect(page.get_by_role("button", name="Ask about cancer immunotherapy")).to_be_visible()
        assert page.evaluate(signature) == without


def test_an_origin_not_allowed_gets_no_answers(page: Page, settings: ApiSettings, index: Index) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/v1/ask" in request.url else None)
    with embedded(settings, allowed=False) as url:
        page.goto(url)
        page.get_by_role("button", name="Ask about cancer immunotherapy").click()
        frame = chat_frame(page)  # its load refused by frame-ancestors 'none': Chromium's error page instead
        assert frame.locator("#question").count() == 0 and not frame.url.startswith("http"), frame.url
    assert asked == []
