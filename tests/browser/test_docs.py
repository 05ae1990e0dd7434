"""The API docs in a real browser with every request off this machine blocked: nothing comes from a CDN."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser
LOCAL = {"127.0.0.1", "localhost"}


def block_outside_requests(page: Page) -> list[str]:
    """Abort every request to another host; returns the list of what was blocked."""
    blocked: list[str] = []

    def route(route: Route) -> None:
        if urlparse(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    page.context.route("**/*", route)
    return blocked


def test_swagger_ui_lists_the_operations_offline(page: Page, live_url: str) -> None:
    blocked = block_outside_requests(page)
    page.goto(live_url + "docs")
    ask = page.locator(".opblock-post").filter(has=page.locator(".opblock-summary-path", has_text="/v1/ask"))
    expect(ask).to_be_visible()
    expect(page.locator(".opblock-get .opblock-summary-path", has_text="/readyz")).to_be_visible()
    ask.locator(".opblock-summary").click()  # the operation opens with its responses, 415 among them
    expect(ask.locator(".responses-table .response-col_status", has_text="415")).to_be_visible()
    assert blocked == []


def test_redoc_lists_the_operations_offline(page: Page, live_url: str) -> None:
    blocked = block_outside_requests(page)
    page.goto(live_url + "redoc")
    expect(page.get_by_role("menuitem").filter(has_text="Ask")).to_be_visible()
    expect(page.get_by_text("/v1/ask").first).to_be_attached()
    assert blocked == []
