"""The chat page in a real browser: answers, the helpline, keyboard, phone, markup and failures."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Request, Route, expect

from api.settings import ApiSettings
from qa.index import Index
from tests.browser.conftest import serve_in_thread

pytestmark = pytest.mark.browser

PILL = "Can I take immunotherapy as a pill?"
OFF_TOPIC = "What is the capital of France?"
ANSWER_WAIT_MS = 30_000  # the first question on a fresh server also warms the model up

# The lowest text/background contrast on the page: walks up to the first opaque background.
MIN_CONTRAST_JS = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = (c) => { const v = rgb(c).slice(0, 3).map((x) => { x /= 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
    if ((rgb(c)[3] ?? 1) === 1) return c; } return "rgb(255, 255, 255)"; };
  let worst = { ratio: 21, text: "" };
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility() || el.closest(".visually-hidden")) continue;
    const [a, b] = [lum(getComputedStyle(el).color), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst.ratio) worst = { ratio, text: el.textContent.trim().slice(0, 40) };
  }
  return worst;
}"""


def screenshot(page: Page, path: Path) -> None:
    """The whole page in one viewport, so the sticky question box is drawn at the bottom."""
    size = page.viewport_size
    assert size is not None
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
    page.screenshot(path=path)


def ask(page: Page, question: str) -> Locator:
    """Type a question into the focused box, press Enter, and return its answer once shown."""
    page.get_by_label("Your question", exact=True).focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    exchange = page.locator("article.exchange").filter(has_text=question).last
    answer = exchange.locator(".answer:not(.waiting)")
    expect(answer).to_be_visible(timeout=ANSWER_WAIT_MS)
    return answer


def test_answer_shows_the_passage_highlight_and_disclaimer(page: Page, live_url: str, screenshots: Path) -> None:
    errors: list[str] = []  # script errors and CSP violations both land here
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_url)
    answer = ask(page, PILL)
    first = answer.locator(".passage").first
    expect(first.locator("blockquote")).to_contain_text("Oral immunotherapy is taken by mouth as a pill")
    expect(first.locator("mark").first).to_be_visible()
    # The article has no title, so the publisher names the source.
    expect(first.locator(".source")).to_contain_text("From American Cancer Society")
    expect(answer.locator(".disclaimer")).to_be_visible()
    expect(answer.locator(".disclaimer")).to_contain_text("Please review any information with your doctor")
    expect(page.locator("#conversation")).to_have_attribute("aria-live", "polite")
    screenshot(page, screenshots / "desktop-answer.png")
    assert errors == []


def test_off_topic_question_gets_the_helpline(page: Page, live_url: str, screenshots: Path) -> None:
    page.goto(live_url)
    answer = ask(page, OFF_TOPIC)
    expect(answer).to_contain_text("We could not find an answer to that question")
    expect(answer.locator("a.call")).to_have_attribute("href", "tel:18002272345")
    expect(answer.locator("a.call")).to_have_text("Call 1-800-227-2345")
    expect(answer).to_contain_text("live chat weekdays")
    expect(answer.locator(".passage")).to_have_count(0)
    screenshot(page, screenshots / "off-topic-helpline.png")


def test_keyboard_only_and_the_conversation_keeps_earlier_answers(page: Page, live_url: str) -> None:
    page.goto(live_url)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the question box")).to_be_focused()
    page.keyboard.press("Enter")
    box = page.get_by_label("Your question", exact=True)
    expect(box).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    ask(page, PILL)
    ask(page, OFF_TOPIC)
    expect(box).to_be_focused()
    expect(box).to_have_value("")
    questions = page.locator("article.exchange h2")
    expect(questions).to_have_text([f"You asked: {PILL}", f"You asked: {OFF_TOPIC}"])
    expect(page.locator("article.exchange").first.locator(".passage").first).to_contain_text("as a pill")
    expect(page.locator("article.exchange").last.locator("a.call")).to_be_visible()


def test_empty_question_is_not_sent(page: Page, live_url: str) -> None:
    page.goto(live_url)
    page.get_by_label("Your question", exact=True).press("Enter")
    expect(page.locator("#question-hint")).to_have_text("Please type a question first.")
    expect(page.get_by_label("Your question", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("article.exchange")).to_have_count(0)


def test_text_has_enough_contrast(page: Page, live_url: str) -> None:
    page.goto(live_url)
    ask(page, PILL)
    ask(page, OFF_TOPIC)
    worst = page.evaluate(MIN_CONTRAST_JS)
    assert worst["ratio"] >= 4.5, worst


def test_phone_viewport_has_no_horizontal_scroll(browser: Browser, live_url: str, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_url)
    ask(page, PILL)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, screenshots / "phone-320.png")
    context.close()


def test_document_markup_renders_as_text(page: Page, markup_url: str) -> None:
    page.goto(markup_url)
    answer = ask(page, "Can I take immunotherapy as a pill at home?")
    expect(answer.locator(".passage").first).to_contain_text("<script>window.__xss=1</script>")
    expect(answer).to_contain_text("<b>bold</b>")
    expect(answer.locator(".source").first).to_contain_text(
        '<img src="x" onerror="window.__xss=2">Pills & immunotherapy'
    )
    expect(answer.locator("script, b, img")).to_have_count(0)
    # A javascript: URL is shown as a plain citation, never as a link.
    expect(answer.locator(".source a")).to_have_count(0)
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_network_failure_shows_retry_that_works_once_back(page: Page, live_url: str) -> None:
    page.goto(live_url)
    page.route("**/v1/ask", lambda route: route.abort("internetdisconnected"))
    error = ask(page, PILL)
    expect(error).to_contain_text("We couldn't reach the service")
    expect(error.get_by_role("link", name="1-800-227-2345")).to_have_attribute("href", "tel:18002272345")
    page.unroute("**/v1/ask")
    error.get_by_role("button", name="Retry").click()
    answer = page.locator("article.exchange .answer:not(.waiting)")
    expect(answer.locator(".passage").first).to_contain_text("as a pill", timeout=ANSWER_WAIT_MS)
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)


def test_a_request_that_never_ends_times_out_with_retry(page: Page, live_url: str) -> None:
    page.clock.install()  # the page's timers, so its 20 s timeout can be run at once
    page.goto(live_url)
    held: list[Route] = []
    page.route("**/v1/ask", lambda route: held.append(route))
    page.get_by_label("Your question", exact=True).fill(PILL)
    page.get_by_label("Your question", exact=True).press("Enter")
    expect(page.locator(".answer.waiting")).to_contain_text("Looking through our cancer information")
    page.clock.run_for(21_000)
    error = page.locator(".answer.error")
    expect(error).to_contain_text("The service is taking too long to answer.")
    expect(error.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.locator(".answer.waiting")).to_have_count(0)
    assert len(held) == 1


@pytest.mark.parametrize(
    ("status", "headers", "body", "message", "retry"),
    [
        (
            503,
            {},
            {"detail": "The index is still loading; try again in a moment."},
            "The service is starting up or busy.",
            True,
        ),
        (429, {"Retry-After": "7"}, {"detail": "Too many requests"}, "Please wait 7 seconds, then try again.", True),
        (413, {}, {"detail": "Request body too large"}, "That question is too long to send.", False),
        (
            422,
            {},
            {"detail": [{"msg": "String should have at most 1000 characters"}]},
            "Please check your question: String should have at most 1000 characters.",
            False,
        ),
        (
            422,
            {},
            {"detail": "The question is empty.", "code": "question_empty"},
            "Please check your question: The question is empty.",
            False,
        ),
        (
            500,
            {},
            {"detail": "Internal error; it has been logged.", "code": "internal_error"},
            "Something went wrong on our side.",
            True,
        ),
    ],
)
def test_server_errors_show_a_clear_message(
    page: Page, live_url: str, status: int, headers: dict[str, str], body: object, message: str, retry: bool
) -> None:
    def reply(route: Route) -> None:
        route.fulfill(status=status, headers=headers, content_type="application/json", body=json.dumps(body))

    page.goto(live_url)
    page.route("**/v1/ask", reply)
    error = ask(page, PILL)
    expect(error.locator(".message")).to_contain_text(message)
    expect(error.get_by_role("button", name="Retry")).to_have_count(1 if retry else 0)


def test_a_related_answer_says_first_that_the_article_does_not_answer(
    page: Page, live_url: str, screenshots: Path
) -> None:
    page.goto(live_url)
    answer = ask(page, "is it ok to breastfeed during immunotherapy")
    expect(answer).to_have_class("answer related")
    first = answer.locator("p").first
    expect(first).to_have_class("status-banner")
    expect(first).to_contain_text("Not answered in our article.")
    expect(answer.get_by_role("link", name="Call 1-800-227-2345")).to_be_visible()
    passages = answer.get_by_role("list", name="Related passages (they do not answer your question):")
    expect(passages.locator(".passage")).to_have_count(3)
    expect(passages.locator("mark")).to_have_count(0)
    assert page.evaluate(MIN_CONTRAST_JS)["ratio"] >= 4.5
    screenshot(page, screenshots / "related-answer.png")


def test_the_page_sends_no_more_earlier_questions_than_the_api_takes(
    page: Page, settings: ApiSettings, index: Index
) -> None:
    bodies: list[object] = []
    page.on("request", lambda request: bodies.append(request.post_data_json) if request.method == "POST" else None)
    with serve_in_thread(settings.model_copy(update={"history_max": 2})) as url:
        page.goto(url)
        questions = ["What is immunotherapy?", "how is it given?", "is it painful?", "what are the side effects?"]
        for question in questions:
            ask(page, question)
        assert bodies[-1] == {"question": questions[-1], "history": questions[1:3]}
        expect(page.locator(".answer.error")).to_have_count(0)


def test_follow_ups_send_the_conversation_and_new_conversation_starts_afresh(page: Page, live_url: str) -> None:
    topic, follow_up = "What is intravesical therapy?", "how is it given?"
    bodies: list[object] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            bodies.append(request.post_data_json)

    page.on("request", record)
    page.goto(live_url)
    ask(page, topic)
    answer = ask(page, follow_up)
    assert bodies[-1] == {"question": follow_up, "history": [topic]}
    expect(answer.locator(".passage").first).to_contain_text("infused directly into the bladder")
    note = page.locator("article.exchange").last.locator(".follow-up-note")
    expect(note).to_contain_text(f"“{topic}”")
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".conversation-break")).to_be_visible()
    ask(page, follow_up)
    assert bodies[-1] == {"question": follow_up}
    expect(page.locator("article.exchange").last.locator(".follow-up-note")).to_have_count(0)
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_an_urgent_situation_is_shown_first_with_numbers_to_tap(page: Page, live_url: str) -> None:
    page.goto(live_url)
    answer = ask(page, "I have a high fever after my infusion, what should I do?")
    alert = answer.locator(".urgent[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Call your cancer care team right away")
    expect(alert.locator("a[href='tel:911']")).to_be_visible()
    expect(alert.locator("a[href='tel:18002272345']")).to_be_visible()
    # The advice comes before everything else in the answer, and only once.
    assert answer.evaluate("(el) => el.firstElementChild.classList.contains('urgent')")
    expect(answer.locator(".message")).not_to_contain_text("Call your cancer care team")


def test_small_talk_gets_the_reply_and_no_passage(page: Page, live_url: str) -> None:
    page.goto(live_url)
    answer = ask(page, "help")
    expect(answer).to_contain_text("Ask a question in your own words")
    expect(answer.locator(".passage")).to_have_count(0)


def test_a_passage_whose_list_is_missing_says_so(page: Page, live_url: str) -> None:
    page.goto(live_url)
    answer = ask(page, "What are the side effects?")
    expect(answer.locator(".passage .missing-list").first).to_contain_text("The original article has a list here")
