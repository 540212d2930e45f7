// Suggested targets and observations in the workbench, in the project it is open in:
// accept (one click makes a draft claim there with its parsed figure) or dismiss (never
// suggested there again; in a project of independent annotation, to her alone). The
// server re-reads the suggestion itself; the page sends only which one and the project.
// Text goes in with textContent.
(function () {
  "use strict";
  const box = document.getElementById("wb-suggestions");
  if (!box) return;
  const list = document.getElementById("wb-suggestion-list");
  const csrf = document.getElementById("workbench").dataset.csrf;
  const project = Number(box.dataset.project);
  let metrics = [];

  function el(tag, props, ...children) {
    const node = Object.assign(document.createElement(tag), props || {});
    node.append(...children);
    return node;
  }

  function describe(s) {
    const f = s.figure;
    const when = s.kind === "target" ? (s.deadline ? " " + interpolate(gettext("by %s"), [s.deadline]) : "") : (s.period_end ? " " + interpolate(gettext("for %(start)s – %(end)s"), { start: s.period_start, end: s.period_end }, true) : "");
    const kind = s.kind === "target" ? gettext("target") : gettext("observation");
    return `${kind}: ${f.number_text} (${f.comparator}${f.change !== "level" ? ", " + f.change : ""}) = ${f.value}${f.value_high ? "–" + f.value_high : ""} ${f.unit}${when}`;
  }

  function passage(s) {
    // The figure inside the passage, emphasised; offsets are code points.
    const chars = Array.from(s.quote);
    const from = s.figure_start - s.start, to = s.figure_end - s.start;
    return el("q", {}, chars.slice(0, from).join(""), el("mark", {}, chars.slice(from, to).join("")), chars.slice(to).join(""));
  }

  function metricPicker(s) {
    const select = el("select", { className: "wb-suggestion-metric", title: gettext("metric") }, el("option", { value: "" }, gettext("— metric —")));
    for (const m of metrics) select.append(el("option", { value: String(m.id), selected: s.metric && s.metric.id === m.id }, m.name));
    return select;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, data };
  }

  function errorText(data) {
    return Object.entries(data).map(([field, problem]) => `${field}: ${[].concat(problem).join(" ")}`).join("; ");
  }

  function item(s) {
    const picker = metricPicker(s);
    const message = el("div", { className: "wb-message", role: "alert", hidden: true });
    const accept = el("button", { type: "button", className: "wb-suggestion-accept" }, gettext("Accept"));
    const dismiss = el("button", { type: "button", className: "wb-suggestion-dismiss" }, gettext("Dismiss"));
    const li = el("li", { className: `wb-suggestion wb-suggestion-${s.kind}` }, passage(s), el("div", { className: "wb-meta" }, describe(s)), picker, accept, dismiss, message);
    const which = { kind: s.kind, figure_start: s.figure_start, figure_end: s.figure_end, project };
    accept.addEventListener("click", async () => {
      const { ok, data } = await post(box.dataset.acceptUrl, { ...which, metric: picker.value ? Number(picker.value) : null });
      if (ok) {
        // The workbench draws claims from the server: reload to show the new one.
        window.location.reload();
      } else {
        message.textContent = errorText(data);
        message.hidden = false;
      }
    });
    dismiss.addEventListener("click", async () => {
      const { ok, data } = await post(box.dataset.dismissUrl, which);
      if (ok) {
        li.remove();
        count();
      } else {
        message.textContent = errorText(data);
        message.hidden = false;
      }
    });
    return li;
  }

  function count() {
    document.getElementById("wb-suggestion-count").textContent = String(list.children.length);
  }

  async function load() {
    const url = new URL(box.dataset.url, window.location.href);
    url.searchParams.set("project", String(project));
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return; // no role to annotate: nothing to suggest
    const data = await response.json();
    metrics = data.metrics;
    list.replaceChildren(...data.suggestions.map(item));
    count();
    box.hidden = false;
  }

  load();
})();
