// The chat on any website: a launcher button that opens this service's own chat page in a panel.
//   <script src="https://QA-HOST/static/embed.js" defer></script>
// The service must allow the host page's origin in QA_FRAME_ANCESTORS (none by default); the host page's
// CSP needs script-src, style-src and frame-src for QA-HOST (docs/deployment.md). The button and the panel
// live in a shadow root and the chat in a frame, so the host page's styles and theirs cannot meet.
(() => {
  "use strict";
  const script = document.currentScript;
  const service = new URL(".", new URL(script.src, document.baseURI)).href.replace(/static\/$/, "");
  const label = script.dataset.label || "Ask about cancer immunotherapy";

  const host = document.createElement("div");
  const root = host.attachShadow({ mode: "open" });
  const sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = `${service}static/embed.css`;

  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.textContent = label;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "qa-panel");

  const panel = document.createElement("section");
  panel.id = "qa-panel";
  panel.className = "panel";
  panel.hidden = true;
  panel.setAttribute("aria-label", label);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "Close";
  const bar = document.createElement("div");
  bar.className = "bar";
  bar.append(close);
  const frame = document.createElement("iframe");
  frame.title = label;
  panel.append(bar, frame);

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open && !frame.src) frame.src = service; // loaded on first open, not with the host page
    (open ? frame : launcher).focus();
  }
  launcher.addEventListener("click", () => toggle(panel.hidden));
  close.addEventListener("click", () => toggle(false));
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") toggle(false); });

  root.append(sheet, launcher, panel);
  document.body.append(host);
})();
