// Figures in the workbench, filled from the text and editable; loaded after workbench.js.
//
// When the form opens on a new passage, the passage goes to POST /api/v1/figures/parse/: the server's figure parser (the one the
// suggester uses) reads it once for a target and once for an observation. The reading of
// the type chosen fills the figure fields the annotator has not typed in; choosing the
// other type fills them from its reading. Dates are typed as YYYY, YYYY-MM or YYYY-MM-DD
// (the server takes a year or month as its last day, or a period's first): a malformed one
// comes back as an error beside its field. An annotator may propose a metric here
// (POST /api/v1/metrics/): it is hers to use, marked proposed, until a reviewer confirms it.
(function () {
  "use strict";

  const wb = window.workbench;
  // The form's event (workbench.js, at its top): wb:open when the form is filled.
  const onOpen = (listener) => wb.form.addEventListener("wb:open", (event) => listener(event.detail));
  const $ = (id) => document.getElementById(id);
  const form = $("wb-form");
  const fieldset = $("wb-figure");
  const typeSelect = $("wb-claim_type");
  const FIELDS = ["number_text", "value", "value_high", "unit", "comparator", "change", "metric"];
  const DATES = { target: ["deadline"], observation: ["period_start", "period_end"] };

  let readings = {}; // {target: {...}, observation: {...}} for the open passage
  let asked = 0; // the latest parse request: an older answer arriving late is dropped
  const typed = new Set(); // inputs the annotator changed since the form opened
  const filled = new Set(); // inputs holding a value from the parser

  const hint = gettext("A year, a month or a day: 2025, 2025-06 or 2025-06-30");
  for (const input of fieldset.querySelectorAll(".wb-date")) input.title = hint;

  const note = document.createElement("p");
  note.id = "wb-figure-prefilled";
  note.className = "wb-help";
  note.hidden = true;
  note.textContent = gettext("Filled from the text: check each value before saving.");
  fieldset.querySelector("legend").after(note);

  for (const input of fieldset.querySelectorAll("[data-figure]")) {
    input.addEventListener("input", () => byHand(input));
    input.addEventListener("change", () => byHand(input));
  }

  function byHand(input) {
    typed.add(input);
    setFilled(input, false);
  }

  function setFilled(input, on) {
    input.classList.toggle("wb-prefilled", on);
    if (on) filled.add(input);
    else filled.delete(input);
  }

  // Only a new passage is read: a stored claim's figure (or its absence) is the
  // annotator's, and a form opened to change a note must not save a figure unasked.
  onOpen(({ passage }) => {
    typed.clear();
    for (const input of [...filled]) setFilled(input, false);
    readings = {};
    note.hidden = true;
    asked += 1;
    closeProposal();
    if (passage) read(passage.quote, asked);
  });

  async function read(text, ticket) {
    const url = fieldset.dataset.parseUrl;
    const result = await wb.send("POST", url, { text, document: wb.data.document });
    if (ticket !== asked || result.status !== 200 || form.hidden) return;
    readings = result.json;
    fill();
  }

  // The reading of the chosen type into every field not typed in (and shown).
  function fill() {
    const reading = readings[typeSelect.value];
    if (!reading || !Object.keys(reading).length) return;
    for (const name of [...FIELDS, ...(DATES[typeSelect.value] || [])]) {
      const input = $("wb-fig-" + name);
      if (!input || typed.has(input) || input.disabled) continue;
      const value = reading[name] === undefined ? "" : String(reading[name]);
      if (input.tagName === "SELECT" && value && !input.querySelector(`option[value="${CSS.escape(value)}"]`)) continue;
      if (input.tagName === "SELECT" && !value) continue; // comparator/change keep their default
      input.value = value;
      setFilled(input, value !== "");
    }
    note.hidden = filled.size === 0;
  }

  // workbench.js shows the figure fields of the chosen type (by a key or the select):
  // fill them then. Only the fieldset and its rows are watched, not what fill() changes.
  const shown = new MutationObserver(fill);
  for (const el of [fieldset, ...fieldset.querySelectorAll("[data-for]")]) {
    shown.observe(el, { attributes: true, attributeFilter: ["hidden"] });
  }

  // --- proposing a metric ----------------------------------------------------------

  const metricSelect = $("wb-fig-metric");
  const proposeButton = document.createElement("button");
  proposeButton.type = "button";
  proposeButton.id = "wb-propose-metric";
  proposeButton.className = "wb-link-button";
  proposeButton.textContent = gettext("Propose a new metric…");

  const box = document.createElement("div");
  box.id = "wb-proposal";
  box.className = "wb-proposal";
  box.hidden = true;
  box.append(
    labelled("wb-proposal-name", gettext("Name of the new metric"), "text", 300),
    labelled("wb-proposal-unit", gettext("Its unit (as the parser names it: %, CNY, people, t …)"), "text", 32)
  );
  const proposalError = document.createElement("p");
  // Not .wb-field-error: workbench.js removes those whenever the form is reset.
  proposalError.className = "wb-proposal-error";
  proposalError.id = "wb-proposal-error";
  proposalError.setAttribute("role", "alert");
  proposalError.hidden = true;
  const send = button("wb-proposal-send", gettext("Propose"));
  const cancel = button("wb-proposal-cancel", gettext("Cancel"));
  const explain = document.createElement("p");
  explain.className = "wb-help";
  explain.textContent = gettext("Usable on your claims at once, marked proposed, until a reviewer confirms it.");
  box.append(proposalError, send, cancel, explain);
  metricSelect.after(proposeButton, box);

  function labelled(id, text, type, maxLength) {
    const wrap = document.createElement("span");
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    const input = document.createElement("input");
    input.id = id;
    input.type = type;
    input.maxLength = maxLength;
    wrap.append(label, input);
    return wrap;
  }

  function button(id, text) {
    return Object.assign(document.createElement("button"), { type: "button", id, textContent: text });
  }

  function closeProposal() {
    box.hidden = true;
    proposalError.hidden = true;
    proposeButton.hidden = metricSelect.disabled;
  }

  proposeButton.addEventListener("click", () => {
    box.hidden = false;
    proposeButton.hidden = true;
    $("wb-proposal-unit").value = $("wb-fig-unit").value.trim();
    $("wb-proposal-name").focus();
  });
  cancel.addEventListener("click", closeProposal);

  send.addEventListener("click", async () => {
    const body = { name: $("wb-proposal-name").value.trim(), unit: $("wb-proposal-unit").value.trim() };
    const result = await wb.send("POST", fieldset.dataset.metricsUrl, body);
    if (result.status !== 201) {
      const said = Object.entries(result.json).map(([field, problem]) => {
        const name = { name: gettext("Name"), unit: gettext("Unit") }[field];
        return (name ? name + ": " : "") + [].concat(problem).join(" ");
      });
      proposalError.textContent = said.join(" ");
      proposalError.hidden = false;
      return;
    }
    const metric = result.json;
    const named = interpolate(gettext("%(name)s (%(unit)s) [proposed]"), metric, true);
    wb.data.metrics.push({ id: metric.id, name: named });
    metricSelect.append(new Option(named, metric.id));
    metricSelect.value = String(metric.id);
    byHand(metricSelect);
    $("wb-proposal-name").value = "";
    closeProposal();
    metricSelect.focus();
  });
})();
