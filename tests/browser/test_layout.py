"""The newest answer in view above the sticky question box, the helpline in every answer, keyboard reach."""

import json
from collections.abc import Iterator
from contextlib import suppress

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.test_chat_page import ANSWER_WAIT_MS, OFF_TOPIC, PILL, ask

pytestmark = pytest.mark.browser

QUESTIONS = [PILL, "What are the side effects of immunotherapy?", OFF_TOPIC, "How does immunotherapy work?"]
SIZES = [
    pytest.param(({"width": 375, "height": 812}, "reduce"), id="phone-375x812-reduced-motion"),
    pytest.param(({"width": 1280, "height": 800}, "no-preference"), id="desktop-1280x800"),
]
# Where the first line of an answer is, and where the sticky question box starts, in viewport pixels.
FIRST_LINE_JS = """(answer) => {
  const first = answer.firstElementChild;
  const top = first.getBoundingClientRect().top;
  const line = parseFloat(getComputedStyle(first).lineHeight);
  return { top, bottom: top + line, boxTop: document.getElementById("ask-form").getBoundingClientRect().top };
}"""
# In view, and the page has stopped scrolling: the same scrollY on two animation frames in a row
# (a smooth scroll moves it every frame, and brings the first line in view before it ends).
SETTLED_IN_VIEW_JS = f"""(answer) => {{
  const y = window.scrollY, settled = window.__qaLastScrollY === y;
  window.__qaLastScrollY = y;
  const at = ({FIRST_LINE_JS})(answer);
  return settled && at.top >= 0 && at.bottom <= at.boxTop;
}}"""


@pytest.fixture(params=SIZES)
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    viewport, motion = request.param
    context = browser.new_context(viewport=viewport, reduced_motion=motion, has_touch=viewport["width"] < 500)
    yield context.new_page()
    context.close()


def first_line(page: Page, answer: Locator) -> dict[str, float]:
    """The first line's box once any smooth scroll has settled (waits, then measures)."""
    handle = answer.element_handle()
    with suppress(PlaywrightTimeout):  # measured and reported by the caller's assertion
        page.wait_for_function(SETTLED_IN_VIEW_JS, arg=handle, polling="raf", timeout=5_000)
    at: dict[str, float] = answer.evaluate(FIRST_LINE_JS)
    return at


def test_the_first_line_of_each_new_answer_is_above_the_question_box(sized_page: Page, live_url: str) -> None:
    sized_page.goto(live_url)
    for question in QUESTIONS:
        answer = ask(sized_page, question)
        at = first_line(sized_page, answer)
        assert at["top"] >= 0 and at["bottom"] <= at["boxTop"], (question, at)
        question_box = answer.locator("xpath=..").locator("h2").bounding_box()
        assert question_box is not None and question_box["y"] >= 0, question  # the question is on screen too


def test_every_answer_ends_with_a_tap_to_call_link_a_thumb_can_hit(sized_page: Page, live_url: str) -> None:
    sized_page.goto(live_url)
    for question in QUESTIONS[:3]:
        answer = ask(sized_page, question)
        call = answer.locator(".helpline a.call")
        expect(call).to_have_attribute("href", "tel:18002272345")
        box = call.bounding_box()
        assert box is not None and box["height"] >= 44, (question, box)
        if answer.locator(".passage").count():  # an answer ends with it; a refusal shows it after its message
            assert answer.locator(":scope > *").last.evaluate("(el) => el.classList.contains('helpline')")
    header_call = sized_page.locator(".masthead a[href^='tel:']").bounding_box()
    assert header_call is not None and header_call["height"] >= 44


def test_a_long_question_is_folded_and_its_answer_is_in_view(sized_page: Page, live_url: str) -> None:
    long_question = " ".join([PILL] * 25)  # about 900 characters
    sized_page.goto(live_url)
    answer = ask(sized_page, long_question)
    heading = sized_page.locator("article.exchange h2.question").last
    expect(heading).to_have_class("question folded")
    at = first_line(sized_page, answer)
    assert at["top"] >= 0 and at["bottom"] <= at["boxTop"], at
    toggle = sized_page.get_by_role("button", name="Show the whole question")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    folded_height = heading.bounding_box()
    toggle.click()
    expect(heading).not_to_have_class("question folded")
    expect(sized_page.get_by_role("button", name="Fold the question")).to_have_attribute("aria-expanded", "true")
    unfolded_height = heading.bounding_box()
    assert folded_height and unfolded_height and unfolded_height["height"] > folded_height["height"]


def test_keyboard_users_reach_the_answer_and_each_passage(page: Page, live_url: str) -> None:
    page.goto(live_url)
    answer = ask(page, PILL)
    box = page.get_by_label("Your question", exact=True)
    expect(box).to_be_focused()  # the next question can be typed at once
    page.keyboard.press("Tab")  # the Ask button
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="New conversation")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Go to the latest answer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("article.exchange").last).to_be_focused()
    passages = answer.locator(".passage")
    expect(passages).to_have_count(3)
    for number in range(1, 4):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_contain_text(f"Passage {number} of 3: ")  # read out first, visually hidden
        # Focus never hides behind the sticky question box.
        top = focused.evaluate("(el) => el.getBoundingClientRect().top")
        box_top = page.locator("#ask-form").evaluate("(el) => el.getBoundingClientRect().top")
        assert top < box_top
    expect(page.locator("#conversation")).to_have_attribute("role", "log")


def test_while_the_service_starts_up_the_page_says_so_and_asks_again_by_itself(page: Page, live_url: str) -> None:
    starting = {"detail": "Starting up: building the index. Try again in a moment.", "code": "starting_up"}
    calls: list[str] = []

    def starting_then_ready(route: Route) -> None:
        calls.append(route.request.url)
        if len(calls) == 1:
            route.fulfill(status=503, content_type="application/json", body=json.dumps(starting))
        else:
            route.continue_()

    page.route("**/v1/ask", starting_then_ready)
    page.goto(live_url)
    page.get_by_label("Your question", exact=True).fill(PILL)
    page.get_by_label("Your question", exact=True).press("Enter")
    expect(page.locator(".answer.error .message")).to_contain_text("The service is starting up.")
    answer = page.locator("article.exchange .answer:not(.waiting):not(.error)")
    expect(answer.locator(".passage").first).to_contain_text("as a pill", timeout=ANSWER_WAIT_MS)
    assert len(calls) == 2
    expect(page.get_by_label("Your question", exact=True)).to_be_focused()


def test_an_error_after_earlier_answers_shows_its_retry_and_helpline_above_the_box(
    sized_page: Page, live_url: str
) -> None:
    sized_page.goto(live_url)
    for question in QUESTIONS[:2]:
        ask(sized_page, question)
    sized_page.route("**/v1/ask", lambda route: route.abort("internetdisconnected"))
    error = ask(sized_page, QUESTIONS[3])
    at = first_line(sized_page, error)
    assert at["top"] >= 0 and at["bottom"] <= at["boxTop"], at
    retry = error.get_by_role("button", name="Retry").bounding_box()
    call = error.locator("a.call").bounding_box()
    assert retry and call and call["y"] + call["height"] <= at["boxTop"], (retry, call, at)
