// The chat page: asks POST v1/ask and shows verbatim passages. Corpus text only ever
// enters the page as text nodes (never as HTML), so markup in a document stays visible text.
"use strict";

(() => {
  const ASK_URL = "v1/ask";
  const TIMEOUT_MS = 20000;
  const STARTING_RETRY_MS = 3000; // while the service starts up, ask again this often
  const FOLD_CHARS = 160; // longer questions are shown folded to a few lines
  // Earlier questions sent with a follow-up: the API's limit (QA_HISTORY_MAX), which the page carries.
  const HISTORY_MAX = Number(document.body.dataset.historyMax);
  // The corpus's helpline, which the server writes into the page, for replies that carry none (errors).
  const HELPLINE = { phone: document.body.dataset.helplinePhone, tel: document.body.dataset.helplineTel };
  const PROBLEMS = {
    network: { text: "We couldn't reach the service. Please check your internet connection and try again.", retry: true },
    timeout: { text: "The service is taking too long to answer. Please try again.", retry: true },
    413: { text: "That question is too long to send. Please shorten it and ask again.", retry: false },
    429: { text: "You have asked many questions in a short time. Please wait a moment, then try again.", retry: true },
    503: { text: "The service is starting up or busy. Please try again in a moment.", retry: true },
    starting: { text: "The service is starting up. Your question will be asked again in a few seconds.", retry: true, auto: true },
    server: { text: "Something went wrong on our side. Please try again.", retry: true },
  };

  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const hint = document.getElementById("question-hint");
  const hintText = hint.textContent;
  const intro = document.getElementById("intro");
  const conversation = document.getElementById("conversation");
  const toAnswer = document.getElementById("to-answer");
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // The question box is sticky: its height is kept in a CSS variable so the newest exchange can fill the
  // rest of the screen and be scrolled to the top above the box (see .exchange:last-child in app.css).
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--ask-form-height", `${form.offsetHeight}px`);
  }).observe(form);

  /** Bring an exchange's question and the start of its answer into view, above the question box. */
  function bringIntoView(exchange) {
    exchange.scrollIntoView({ block: "start", behavior: reducedMotion.matches ? "auto" : "smooth" });
  }

  // This conversation's earlier questions, oldest first: in memory only, never stored.
  let history = [];

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /** The passage text with its highlights wrapped in <mark>. */
  function highlighted(text, highlights) {
    // The API counts offsets in code points (Python strings); JS strings count UTF-16 units.
    const chars = Array.from(text);
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
      const from = Math.max(start, at);
      const to = Math.min(end, chars.length);
      if (to <= from) continue;
      fragment.append(chars.slice(at, from).join(""), el("mark", {}, [chars.slice(from, to).join("")]));
      at = to;
    }
    fragment.append(chars.slice(at).join(""));
    return fragment;
  }

  /** Only http(s) links: a document's URL must never become a javascript: link. */
  function webUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  function passageView(passage, number, count, note) {
    const name = passage.title || passage.publisher || "Source document";
    const url = passage.url && webUrl(passage.url);
    const source = url
      ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" },
          [name, el("span", { class: "visually-hidden" }, [" (opens in a new tab)"])])
      : el("cite", {}, [name]);
    const revised = passage.last_revised ? [`, last revised ${passage.last_revised}`] : [];
    // Focusable, so keyboard users can step through the passages with Tab.
    return el("li", { class: "passage", tabindex: "0" }, [
      el("span", { class: "visually-hidden" }, [`Passage ${number} of ${count}: `]),
      el("blockquote", {}, [highlighted(passage.text, passage.highlights || [])]),
      ...(passage.incomplete && note ? [el("p", { class: "missing-list" }, [note])] : []),
      el("p", { class: "source" }, ["From ", source, ...revised]),
    ]);
  }

  function helplineView(helpline) {
    const tel = String(helpline.tel || "").startsWith("tel:") ? helpline.tel : HELPLINE.tel;
    return el("div", { class: "helpline" }, [
      el("p", { class: "helpline-name" }, [helpline.name]),
      el("a", { class: "call", href: tel }, [`Call ${helpline.phone || HELPLINE.phone}`]),
      el("p", { class: "helpline-hours" }, [helpline.hours]),
    ]);
  }

  // What to do now, before anything else: the publisher's advice with tap-to-call for the emergency number and the helpline.
  function urgentView(answer) {
    const care = answer.urgent_care;
    const emergency = String(care.emergency_tel || "").startsWith("tel:") ? care.emergency_tel : "tel:911";
    const helpline = String(answer.helpline.tel || "").startsWith("tel:") ? answer.helpline.tel : HELPLINE.tel;
    return el("div", { class: `urgent urgent-${care.level}`, role: "alert" }, [
      el("p", { class: "urgent-title" }, [el("span", { class: "urgent-icon", "aria-hidden": "true" }, ["⚠"]), " Act now"]),
      el("p", { class: "urgent-message" }, [care.message]),
      el("p", { class: "urgent-calls" }, [
        el("a", { class: "call call-emergency", href: emergency }, [`Call ${care.emergency_phone}`]),
        " ",
        el("a", { class: "call", href: helpline }, [`Call the helpline ${answer.helpline.phone || HELPLINE.phone}`]),
      ]),
    ]);
  }

  function answerView(answer) {
    const view = statusView(answer);
    const care = answer.urgent && answer.urgent_care;
    if (care) {
      // The message starts with the same advice: the banner shows it once, first.
      view.querySelector(".message")?.replaceChildren(String(answer.message).replace(care.message, "").trim());
      view.prepend(urgentView(answer));
    }
    return view;
  }

  let relatedLabels = 0;
  function statusView(answer) {
    // The reply may be in the visitor's language (a Spanish question gets a Spanish reply).
    const language = /^[a-z]{2,3}$/.test(answer.language || "") ? { lang: answer.language } : {};
    const status = answer.status || (answer.answered ? "answered" : "not_found");
    const disclaimer = el("p", { class: "disclaimer" }, [el("strong", {}, ["Please note: "]), answer.disclaimer]);
    const count = answer.passages.length;
    if (status === "related" && count > 0) {
      // The article does not answer: say so first, and set the passages apart (no highlights) so none reads as the answer.
      const labelId = `related-label-${++relatedLabels}`;
      return el("div", { class: "answer related", ...language }, [
        el("p", { class: "status-banner" }, [el("strong", {}, ["Not answered in our article."]), " The passages below are only related to your question."]),
        el("p", { class: "message" }, [answer.message]),
        el("p", { class: "related-label", id: labelId }, ["Related passages (they do not answer your question):"]),
        el("ol", { class: "passages related-passages", "aria-labelledby": labelId },
          answer.passages.map((passage, i) => passageView({ ...passage, highlights: [] }, i + 1, count, answer.missing_list_note))),
        disclaimer,
        helplineView(answer.helpline),
      ]);
    }
    if (status !== "answered" || count === 0) {
      return el("div", { class: "answer refused", ...language }, [
        el("p", { class: "message" }, [answer.message]),
        helplineView(answer.helpline),
        disclaimer,
      ]);
    }
    return el("div", { class: "answer", ...language }, [
      el("p", { class: "message" }, [answer.message]),
      el("ol", { class: "passages", "aria-label": "Passages, best first" },
        answer.passages.map((passage, i) => passageView(passage, i + 1, count, answer.missing_list_note))),
      disclaimer,
      helplineView(answer.helpline),
    ]);
  }


  function errorView(problem, retry) {
    const view = el("div", { class: "answer error" }, [el("p", { class: "message" }, [problem.text])]);
    if (problem.retry) {
      const button = el("button", { type: "button", class: "secondary" }, ["Retry"]);
      button.addEventListener("click", () => retry(view));
      view.append(button);
    }
    view.append(el("p", { class: "fallback" }, ["You can also call the cancer helpline:"]),
      el("a", { class: "call", href: HELPLINE.tel }, [`Call ${HELPLINE.phone}`]));
    return view;
  }

  function waitingView() {
    return el("div", { class: "answer waiting" }, [el("span", { class: "spinner", "aria-hidden": "true" }), "Looking through our cancer information…"]);
  }

  /** What went wrong, in words for the reader, from an HTTP error response. */
  function problemFor(response, body) {
    if (response.status === 422) {
      const detail = Array.isArray(body?.detail) ? body.detail[0]?.msg : body?.detail;
      const reason = String(detail || "it could not be read").replace(/^Value error, /, "").replace(/\.$/, "");
      return { text: `Please check your question: ${reason}.`, retry: false };
    }
    if (response.status === 503 && body?.code === "starting_up") return PROBLEMS.starting;
    const wait = response.headers.get("Retry-After");
    if (response.status === 429 && /^\d+$/.test(wait || "")) {
      return { text: `You have asked many questions in a short time. Please wait ${wait} seconds, then try again.`, retry: true };
    }
    return PROBLEMS[response.status] || PROBLEMS.server;
  }

  /** {answer} or {problem}; never hangs: the request is aborted after TIMEOUT_MS. */
  async function fetchAnswer(question, earlier = []) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(ASK_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(earlier.length ? { question, history: earlier } : { question }),
        signal: controller.signal,
      });
      const body = await response.json().catch(() => null);
      if (response.ok && Array.isArray(body?.passages)) return { answer: body };
      return { problem: problemFor(response, body) };
    } catch {
      return { problem: controller.signal.aborted ? PROBLEMS.timeout : PROBLEMS.network };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ask, showing a waiting state in place of `previous` (an error being retried) or at the end. */
  async function send(exchange, question, previous, earlier = []) {
    const waiting = waitingView();
    if (previous) previous.replaceWith(waiting);
    else exchange.append(waiting);
    const result = await fetchAnswer(question, earlier);
    const retry = (view) => {
      exchange.focus({ preventScroll: true });
      send(exchange, question, view, earlier);
    };
    const view = result.answer ? answerView(result.answer) : errorView(result.problem, retry);
    waiting.replaceWith(view);
    if (result.answer) followUpNote(exchange, result.answer, earlier);
    // While the service starts up, ask again by itself (without moving the reader's focus).
    if (result.problem?.auto) setTimeout(() => view.isConnected && send(exchange, question, view, earlier), STARTING_RETRY_MS);
    if (exchange === conversation.lastElementChild) {
      bringIntoView(exchange);
      toAnswer.hidden = false;
    }
  }

  /** The question as asked; a long one is folded to a few lines, with a button to show it whole. */
  function questionView(question) {
    const text = el("span", { class: "question-text" }, [question]);
    const heading = el("h2", { class: "question" }, [el("span", { class: "visually-hidden" }, ["You asked: "]), text]);
    if (Array.from(question).length <= FOLD_CHARS) return [heading];
    heading.classList.add("folded");
    const toggle = el("button", { type: "button", class: "unfold secondary", "aria-expanded": "false" }, ["Show the whole question"]);
    toggle.addEventListener("click", () => {
      const folded = heading.classList.toggle("folded");
      toggle.setAttribute("aria-expanded", String(!folded));
      toggle.textContent = folded ? "Show the whole question" : "Fold the question";
    });
    return [heading, toggle];
  }

  /** The earlier questions to send with `question`; remembers it for the next one. */
  function remember(question) {
    const earlier = HISTORY_MAX > 0 ? history.slice(-HISTORY_MAX) : []; // slice(-0) would keep them all
    history = [...earlier, question];
    return earlier;
  }

  /** Says, under the question, which earlier questions the answer was searched with. */
  function followUpNote(exchange, answer, earlier) {
    const used = (answer.context_used || []).filter((i) => Number.isInteger(i) && i >= 0 && i < earlier.length);
    if (used.length === 0) return;
    const quoted = used.map((i) => `“${earlier[i]}”`).join(", ");
    exchange.querySelector(".question").after(
      el("p", { class: "follow-up-note" }, [`Understood as a follow-up to ${quoted}.`]));
  }

  /** A "New conversation" button: earlier questions stop shaping the answers to the next. */
  function newConversationButton() {
    const button = el("button", { type: "button", class: "secondary new-conversation" }, ["New conversation"]);
    button.addEventListener("click", () => {
      history = [];
      if (conversation.lastElementChild && !conversation.lastElementChild.classList.contains("conversation-break")) {
        conversation.append(el("p", { class: "conversation-break", role: "note" },
          ["New conversation: the next question is answered on its own."]));
      }
      input.focus();
    });
    hint.after(button);
  }

  function showHint(text) {
    hint.textContent = text;
    hint.classList.toggle("invalid", text !== hintText);
    input.setAttribute("aria-invalid", String(text !== hintText));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) {
      showHint("Please type a question first.");
      input.focus();
      return;
    }
    input.value = "";
    intro.hidden = true;
    const exchange = el("article", { class: "exchange", tabindex: "-1" }, questionView(question));
    conversation.append(exchange);
    bringIntoView(exchange);
    send(exchange, question, undefined, remember(question));
  });

  input.addEventListener("input", () => showHint(hintText));
  newConversationButton();

  // Keyboard users jump from the question box to the newest answer, then Tab through its passages.
  toAnswer.addEventListener("click", () => {
    const latest = conversation.lastElementChild;
    if (!latest) return;
    latest.focus({ preventScroll: true });
    bringIntoView(latest);
  });

  for (const button of document.querySelectorAll(".example")) {
    button.addEventListener("click", () => {
      input.value = button.textContent;
      input.focus(); // the examples are hidden once a question is asked
      form.requestSubmit();
    });
  }
})();
