"""axe-core (bundled by the axe-playwright-python package, no CDN) on the chat page's three outcomes."""

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.test_chat_page import OFF_TOPIC, PILL, ask

pytestmark = pytest.mark.browser


def answered(page: Page) -> None:
    ask(page, PILL)


def refused(page: Page) -> None:
    ask(page, OFF_TOPIC)


def urgent(page: Page) -> None:
    ask(page, "I have a high fever after my infusion, what should I do?")


def failed(page: Page) -> None:
    page.route("**/v1/ask", lambda route: route.abort("internetdisconnected"))
    ask(page, PILL)


@pytest.mark.parametrize("reach", [answered, refused, urgent, failed], ids=["answered", "refused", "urgent", "error"])
def test_no_serious_or_critical_accessibility_violation(
    page: Page, live_url: str, reach: Callable[[Page], None]
) -> None:
    page.goto(live_url)
    reach(page)
    results = Axe().run(page)  # injected through the DevTools protocol, so the page's CSP is not loosened
    violations = results.response["violations"]
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    assert results.response["passes"], "axe ran no checks"
