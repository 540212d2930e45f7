// The annotator's workbench. Vanilla JS, no build step.
//
// It reads and writes claims through the public REST API (/api/v1/claims/,
// /api/v1/speakers/) like any other client: the session and its CSRF token log
// it in, every change sends If-Match with the version it was made from, and a
// stale one comes back 412 with the claim as it is now and what changed.
//
// Offsets sent to the server are Unicode code points of the canonical text
// (Python str indices). The DOM counts UTF-16 code units, so every position
// read from a selection goes through unitToCp, and every highlight is placed
// through cpToUnit. Characters outside the BMP (𠮷, 𠀀, emoji) are two units
// and one code point: that difference is the whole reason for this care.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("wb-data").textContent);
  const root = document.getElementById("workbench");
  const textEl = document.getElementById("wb-text");
  const form = document.getElementById("wb-form");
  const $ = (id) => document.getElementById(id);
  const text = data.text;
  const TYPE_COLOURS = {
    target: "#e6550d",
    observation: "#3182bd",
    challenge: "#c51b8a",
    recommendation: "#31a354",
    commitment: "#756bb1",
    assessment: "#b08d00",
  };
  const TYPES = data.choices.claim_type.map((c) => c[0]);
  const FIGURE_TYPES = ["target", "observation"];

  // cpToUnit[i] is the UTF-16 index of code point i; its last entry is text.length.
  const cpToUnit = [0];
  for (const ch of text) cpToUnit.push(cpToUnit[cpToUnit.length - 1] + ch.length);
  const cpCount = cpToUnit.length - 1;

  function unitToCp(unit) {
    let lo = 0;
    let hi = cpCount;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cpToUnit[mid] <= unit) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  const claims = new Map(data.claims.map((c) => [c.id, c]));
  let pending = null; // {start, end, quote} of a selection not yet saved
  let editing = null; // the claim open in the form, as last loaded
  let selected = null; // {start, end, quote} selected in the text while a claim is open
  let moved = null; // the open claim's new span, sent with the next save
  let speaker = null; // {id, name} chosen in the form
  let deleteArmed = false;

  // --- rendering -------------------------------------------------------------------

  function visibleClaims() {
    const annotator = $("wb-filter-annotator").value;
    const status = $("wb-filter-status").value;
    return [...claims.values()].filter(
      (c) => (!annotator || c.annotator === annotator) && (!status || c.status === status)
    );
  }

  // The text as segments cut at every claim boundary; each segment is one
  // span holding one text node, and knows its code-point start (data-cp).
  function render() {
    const shown = visibleClaims();
    const spans = shown.map((c) => ({ start: c.start, end: c.end, claim: c }));
    const unsaved = pending || moved;
    if (unsaved) spans.push({ start: unsaved.start, end: unsaved.end, claim: null });
    const cuts = new Set([0, cpCount]);
    for (const s of spans) {
      cuts.add(s.start);
      cuts.add(s.end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i];
      const b = points[i + 1];
      const seg = document.createElement("span");
      seg.className = "wb-seg";
      seg.dataset.cp = String(a);
      seg.textContent = text.slice(cpToUnit[a], cpToUnit[b]);
      // Innermost (shortest) first: it gives the background, the rest stack as underlines.
      const covering = spans
        .filter((s) => s.start <= a && s.end >= b)
        .sort((x, y) => x.end - x.start - (y.end - y.start));
      if (covering.length) {
        const real = covering.filter((s) => s.claim);
        if (real.length) {
          seg.classList.add("wb-hl", "wb-type-" + real[0].claim.claim_type);
          seg.dataset.claims = real.map((s) => s.claim.id).join(" ");
          seg.title = real
            .map((s) => `#${s.claim.id} ${label("claim_type", s.claim.claim_type)} · ${s.claim.annotator} · ${s.claim.status}`)
            .join("\n");
          seg.style.boxShadow = real
            .map((s, depth) => `inset 0 -${3 * (depth + 1)}px 0 ${TYPE_COLOURS[s.claim.claim_type]}`)
            .join(", ");
          if (real.some((s) => s.start === a)) seg.classList.add("wb-start");
          if (real.length > 1) seg.classList.add("wb-nested");
          if (editing && real.some((s) => s.claim.id === editing.id)) seg.classList.add("wb-current");
        }
        if (covering.some((s) => !s.claim)) seg.classList.add("wb-pending");
      }
      fragment.appendChild(seg);
    }
    textEl.replaceChildren(fragment);
    renderLegend(shown);
    renderProgress();
  }

  function label(field, value) {
    const found = data.choices[field].find((c) => c[0] === value);
    return found ? found[1] : value;
  }

  function renderLegend(shown) {
    const legend = root.querySelector(".wb-legend");
    legend.replaceChildren(
      ...TYPES.map((type, i) => {
        const item = document.createElement("span");
        item.className = "wb-legend-item";
        const swatch = document.createElement("span");
        swatch.className = "wb-swatch wb-type-" + type;
        swatch.style.borderBottomColor = TYPE_COLOURS[type];
        const count = shown.filter((c) => c.claim_type === type).length;
        item.append(swatch, `${i + 1} ${label("claim_type", type)} (${count})`);
        return item;
      })
    );
  }

  function table(el, rowLabels, colLabels, cell) {
    const head = "<tr><th></th>" + colLabels.map((c) => `<th>${esc(c)}</th>`).join("") + "<th>total</th></tr>";
    const rows = rowLabels.map((r) => {
      const cells = colLabels.map((_, j) => cell(r, j));
      return `<tr><th>${esc(r.label)}</th>${cells.map((n) => `<td>${n || ""}</td>`).join("")}<td>${cells.reduce((x, y) => x + y, 0)}</td></tr>`;
    });
    el.innerHTML = head + rows.join("");
  }

  function esc(s) {
    const d = document.createElement("div");
    d.textContent = String(s);
    return d.innerHTML;
  }

  function renderProgress() {
    const all = [...claims.values()];
    const statuses = data.choices.status.map((c) => c[0]);
    table(
      $("wb-progress-table"),
      TYPES.map((t) => ({ key: t, label: label("claim_type", t) })),
      statuses,
      (r, j) => all.filter((c) => c.claim_type === r.key && c.status === statuses[j]).length
    );
    const annotators = [...new Set(all.map((c) => c.annotator))].sort();
    table(
      $("wb-annotator-table"),
      annotators.map((a) => ({ key: a, label: a })),
      statuses,
      (r, j) => all.filter((c) => c.annotator === r.key && c.status === statuses[j]).length
    );
    const select = $("wb-filter-annotator");
    const chosen = select.value;
    const names = [...new Set([...annotators, data.me.username])].sort();
    select.replaceChildren(new Option("all", ""), ...names.map((n) => new Option(n, n)));
    select.value = chosen;
  }

  // --- selection ---------------------------------------------------------------------

  function pointToCp(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest("[data-cp]");
      if (!seg || !textEl.contains(seg)) return null;
      return unitToCp(cpToUnit[Number(seg.dataset.cp)] + offset);
    }
    if (node === textEl) {
      const child = textEl.children[offset];
      return child ? Number(child.dataset.cp) : cpCount;
    }
    const seg = node.closest && node.closest("[data-cp]");
    if (!seg || !textEl.contains(seg)) return null;
    const start = Number(seg.dataset.cp);
    return offset === 0 ? start : unitToCp(cpToUnit[start] + seg.textContent.length);
  }

  // The selection as {start, end, quote} in code points, whitespace trimmed.
  function selectedPassage() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!textEl.contains(range.commonAncestorContainer)) return null;
    let start = pointToCp(range.startContainer, range.startOffset);
    let end = pointToCp(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    const raw = range.toString();
    const quote = raw.trim();
    if (!quote) return null;
    start += Array.from(raw.slice(0, raw.length - raw.trimStart().length)).length;
    end -= Array.from(raw.slice(raw.trimEnd().length)).length;
    return { start, end, quote };
  }

  textEl.addEventListener("mouseup", (event) => {
    selected = null;
    const passage = selectedPassage();
    if (passage && editing && editing.can.change) {
      offerSelection(passage);
      return;
    }
    if (passage) {
      if (!data.me.can_add) return showHere("You may read claims here but not add them.");
      openNew(passage);
      return;
    }
    const seg = event.target.closest(".wb-hl");
    if (seg) {
      const ids = seg.dataset.claims.split(" ").map(Number);
      if (ids.length > 1) showChooser(ids);
      else hideHere();
      openClaim(claims.get(ids[0]));
    }
  });

  function showChooser(ids) {
    const here = $("wb-here");
    here.replaceChildren(document.createTextNode("Claims here (innermost first): "));
    for (const id of ids) {
      const c = claims.get(id);
      const b = document.createElement("button");
      b.type = "button";
      b.className = "wb-chip wb-type-" + c.claim_type;
      b.style.borderColor = TYPE_COLOURS[c.claim_type];
      b.textContent = `#${id} ${label("claim_type", c.claim_type)}`;
      b.addEventListener("click", () => openClaim(claims.get(id)));
      here.append(b);
    }
    here.hidden = false;
  }

  // With a claim open that the user may change, a selection may be its new span
  // (the button or S) or a new claim (the button here).
  function offerSelection(passage) {
    selected = passage;
    const here = $("wb-here");
    here.replaceChildren(
      `Selected characters ${passage.start}–${passage.end}: “Use selection as span” moves claim #${editing.id} there. `
    );
    if (data.me.can_add) {
      const b = document.createElement("button");
      b.type = "button";
      b.id = "wb-new-from-selection";
      b.textContent = "New claim from it";
      b.addEventListener("click", () => openNew(passage));
      here.append(b);
    }
    here.hidden = false;
  }

  function useSelection() {
    if (!selected) {
      showMessage("error", ["Select the new passage in the text first, then use it as the span."]);
      return;
    }
    moved = selected;
    selected = null;
    hideHere();
    clearMessage();
    $("wb-quote").textContent = moved.quote;
    $("wb-meta").textContent =
      `characters ${moved.start}–${moved.end} (was ${editing.start}–${editing.end}) · saved with the next save, Esc discards`;
    window.getSelection().removeAllRanges();
    render();
  }

  function showHere(message) {
    const here = $("wb-here");
    here.textContent = message;
    here.hidden = false;
  }

  function hideHere() {
    $("wb-here").hidden = true;
  }

  // --- the form ----------------------------------------------------------------------

  function fillSelect(id, field) {
    $(id).replaceChildren(...data.choices[field].map((c) => new Option(c[1], c[0])));
  }

  function setupForm() {
    fillSelect("wb-claim_type", "claim_type");
    // No default type: a new claim has none until the annotator picks one (or presses 1-6).
    $("wb-claim_type").prepend(new Option(`— choose (keys 1–${TYPES.length}) —`, ""));
    for (const f of ["attribution", "stance", "modality"]) fillSelect("wb-" + f, f);
    fillSelect("wb-fig-comparator", "comparator");
    fillSelect("wb-fig-change", "change");
    $("wb-fig-metric").append(...data.metrics.map((m) => new Option(m.name, m.id)));
    $("wb-topics").replaceChildren(
      ...data.topics.map((t) => {
        const l = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = t.id;
        l.append(box, " " + t.name);
        return l;
      })
    );
    const status = $("wb-filter-status");
    status.append(...data.choices.status.map((c) => new Option(c[1], c[0])));
    status.addEventListener("change", render);
    $("wb-filter-annotator").addEventListener("change", render);
    $("wb-claim_type").addEventListener("change", () => {
      showFigureFields();
      clearTypeError();
    });
  }

  function showFigureFields() {
    const type = $("wb-claim_type").value;
    $("wb-figure").hidden = !FIGURE_TYPES.includes(type);
    for (const row of form.querySelectorAll("[data-for]")) row.hidden = row.dataset.for !== type;
  }

  function setSpeaker(value) {
    speaker = value;
    $("wb-speaker-input").value = value ? value.name : "";
    $("wb-speaker-input").focus();
    $("wb-speaker-options").hidden = true;
    const attribution = $("wb-attribution");
    if (value && attribution.value === "authorial") attribution.value = "reported";
    if (!value) attribution.value = "authorial";
  }

  function resetForm() {
    form.reset();
    selected = null;
    moved = null;
    clearMessage();
    clearFieldErrors();
    $("wb-review-note").hidden = true;
    speaker = null;
    deleteArmed = false;
    $("wb-delete").textContent = "Delete";
    $("wb-speaker-options").hidden = true;
  }

  function openNew(passage) {
    resetForm();
    hideHere();
    pending = passage;
    editing = null;
    $("wb-form-title").textContent = "New claim";
    $("wb-quote").textContent = passage.quote;
    $("wb-meta").textContent = `characters ${passage.start}–${passage.end}`;
    $("wb-attribution").value = "authorial";
    $("wb-claim_type").value = "";
    setEditable(true, { submit: false, delete: false, review: false });
    $("wb-admin-link").hidden = true;
    form.hidden = false;
    showFigureFields();
    render();
    $("wb-claim_type").focus();
  }

  function openClaim(claim) {
    resetForm();
    pending = null;
    editing = claim;
    $("wb-form-title").textContent = `Claim #${claim.id}`;
    $("wb-quote").textContent = claim.quote;
    $("wb-meta").textContent =
      `characters ${claim.start}–${claim.end} · ${claim.annotator} · ${label("status", claim.status)}` +
      (claim.reviewer ? ` by ${claim.reviewer}` : "") +
      (claim.review_comment ? ` — “${claim.review_comment}”` : "") +
      ` · version ${claim.version}`;
    $("wb-claim_type").value = claim.claim_type;
    speaker = claim.speaker ? { id: claim.speaker, name: claim.speaker_name } : null;
    $("wb-speaker-input").value = speaker ? speaker.name : "";
    for (const f of ["speaker_role", "attribution", "stance", "modality", "note"]) $("wb-" + f).value = claim[f];
    for (const box of $("wb-topics").querySelectorAll("input")) box.checked = claim.topics.includes(Number(box.value));
    for (const input of form.querySelectorAll("[data-figure]")) {
      const value = claim.figure ? claim.figure[input.dataset.figure] : null;
      input.value = value === null || value === undefined ? (input.tagName === "SELECT" && input.options[0].value ? input.options[0].value : "") : value;
    }
    if (!claim.figure) {
      $("wb-fig-comparator").value = "exact";
      $("wb-fig-change").value = "level";
    }
    setEditable(claim.can.change, claim.can);
    showReviewNote(claim);
    const link = $("wb-admin-link");
    link.href = data.urls.claim_admin.replace("/0/", `/${claim.id}/`);
    link.hidden = false;
    form.hidden = false;
    showFigureFields();
    render();
  }

  // A rejected claim is back with its annotator: say why, and what she can do now.
  function showReviewNote(claim) {
    const note = $("wb-review-note");
    note.hidden = claim.status !== "rejected" || !claim.review_comment;
    if (note.hidden) return;
    const next = claim.can.change
      ? " Edit it and save (it becomes a draft again), submit it for review again, or delete it."
      : "";
    note.textContent = `Rejected by ${claim.reviewer || "a reviewer"}: “${claim.review_comment}”.${next}`;
    $("wb-submit").textContent = "Resubmit for review";
  }

  function setEditable(canChange, can) {
    $("wb-submit").textContent = "Submit for review";
    for (const el of form.querySelectorAll("#wb-meaning input, #wb-meaning select, #wb-meaning textarea, #wb-figure input, #wb-figure select")) {
      el.disabled = !canChange;
    }
    $("wb-save").hidden = !canChange;
    $("wb-use-selection").hidden = !(editing && canChange);
    $("wb-submit").hidden = !can.submit;
    $("wb-delete").hidden = !can.delete;
    $("wb-review").hidden = !can.review;
  }

  function closeForm() {
    // A focused control that disappears leaves Chromium unable to start the next
    // mouse selection: hand the focus back to the text first.
    if (form.contains(document.activeElement)) document.activeElement.blur();
    form.hidden = true;
    pending = null;
    editing = null;
    selected = null;
    moved = null;
    hideHere();
    window.getSelection().removeAllRanges();
    render();
  }

  // Figure fields that are text: empty is "" (not null), as the API expects.
  const TEXT_FIGURE_FIELDS = ["number_text", "subject", "scope", "unit"];

  function payload() {
    const figure = {};
    for (const input of form.querySelectorAll("[data-figure]")) {
      const row = input.closest("[data-for]");
      if (row && row.hidden) continue;
      const name = input.dataset.figure;
      const value = input.value.trim();
      figure[name] = value === "" && !TEXT_FIGURE_FIELDS.includes(name) ? null : value;
    }
    // Only the comparator and change defaults set: no figure was entered.
    const entered = Object.entries(figure).some(
      ([k, v]) => v !== null && v !== "" && !["comparator", "change"].includes(k)
    );
    return {
      claim_type: $("wb-claim_type").value,
      speaker: speaker ? speaker.id : null,
      speaker_role: $("wb-speaker_role").value.trim(),
      attribution: $("wb-attribution").value,
      stance: $("wb-stance").value,
      modality: $("wb-modality").value,
      topics: [...$("wb-topics").querySelectorAll("input:checked")].map((b) => Number(b.value)),
      note: $("wb-note").value.trim(),
      figure: FIGURE_TYPES.includes($("wb-claim_type").value) && entered ? figure : null,
    };
  }

  // One request to the API. `version` (the claim as the form loaded it) becomes If-Match.
  async function send(method, url, body, version) {
    const headers = { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (version !== undefined) headers["If-Match"] = `"${version}"`;
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = {};
    if (response.status !== 204) {
      try {
        json = await response.json();
      } catch (e) {
        json = { detail: `The server answered ${response.status} without JSON.` };
      }
    }
    return { status: response.status, json };
  }

  function claimUrl(id) {
    return `${data.urls.claims}${id}/`;
  }

  function clearMessage() {
    const box = $("wb-message");
    box.hidden = true;
    box.replaceChildren();
    box.className = "wb-message";
  }

  function showMessage(kind, lines) {
    const box = $("wb-message");
    box.className = "wb-message wb-" + kind;
    box.replaceChildren(
      ...lines.map((line) => {
        const p = document.createElement("p");
        p.textContent = line;
        return p;
      })
    );
    box.hidden = false;
  }

  // 412: someone saved the claim since the form loaded it. Show what they changed
  // and offer their version (the answer carries it: no second request).
  function showStale(json) {
    showMessage("stale", [json.detail]);
    const reload = document.createElement("button");
    reload.type = "button";
    reload.id = "wb-reload";
    reload.textContent = "Load their version";
    reload.addEventListener("click", () => {
      claims.set(json.current.id, json.current);
      openClaim(json.current);
    });
    $("wb-message").append(reload);
  }

  // The API names fields as its serializer does ("figure.value", "relations.0.kind");
  // the form shows them by their label, next to their control when it has one.
  const CONTROLS = {
    speaker: "wb-speaker-input",
    review_comment: "wb-review-comment",
    quote: "wb-quote",
    start: "wb-quote",
    end: "wb-quote",
  };
  const LABELS = {
    "wb-quote": "Passage",
    "wb-topics": "Topics",
    "wb-speaker-input": "Speaker",
    "wb-figure": "The number",
  };

  function controlOf(field) {
    const [head, sub] = field.split(".");
    if (head === "figure" && sub) return $("wb-fig-" + sub);
    return $(CONTROLS[head] || "wb-" + head);
  }

  function labelOf(el) {
    if (LABELS[el.id]) return LABELS[el.id];
    const found = form.querySelector(`label[for="${el.id}"]`);
    return found ? found.firstChild.textContent.trim() : el.id;
  }

  // "relations.0.kind" -> "Relation 1, kind" for errors without a control in the form.
  function humanField(field) {
    return field
      .split(".")
      .map((part, i) => (/^\d+$/.test(part) ? `${Number(part) + 1}` : i === 0 ? part.replace(/s$/, "") : part))
      .join(" ")
      .replace(/_/g, " ")
      .replace(/^./, (c) => c.toUpperCase())
      .replace(/ (\d+) /, " $1, ");
  }

  // Django's and DRF's stock messages, said as an instruction to the annotator.
  const PLAIN = [
    [/^A valid number is required\.?$/, "enter a number"],
    [/^(This field may not be blank|This field is required|This field may not be null)\.?$/, "fill this in"],
    [/is not a valid choice\.?$/, "choose one of the options"],
    [/^Date has wrong format/, "enter a date as YYYY-MM-DD"],
  ];

  function plain(message) {
    for (const [pattern, said] of PLAIN) if (pattern.test(message)) return said;
    return (message.charAt(0).toLowerCase() + message.slice(1)).replace(/\.$/, "");
  }

  function clearTypeError() {
    const type = $("wb-claim_type");
    type.classList.remove("wb-invalid");
    type.removeAttribute("aria-invalid");
    const shown = $("wb-claim_type-error");
    if (shown) shown.remove();
  }

  function clearFieldErrors() {
    for (const el of form.querySelectorAll(".wb-field-error")) el.remove();
    for (const el of form.querySelectorAll(".wb-invalid")) {
      el.classList.remove("wb-invalid");
      el.removeAttribute("aria-invalid");
    }
  }

  function showFieldError(el, text) {
    el.classList.add("wb-invalid");
    el.setAttribute("aria-invalid", "true");
    const p = document.createElement("p");
    p.className = "wb-field-error";
    p.id = el.id + "-error";
    p.setAttribute("role", "alert");
    p.textContent = `${labelOf(el)}: ${text}`;
    // After the speaker box's wrapper, so the suggestion list stays under the input.
    (el.closest(".wb-speaker") || el).after(p);
    el.setAttribute("aria-describedby", p.id);
  }

  // Every error beside its field; the rest at the top of the form, scrolled into view.
  // The form stays open whatever happens.
  function showErrors(result) {
    clearFieldErrors();
    clearMessage();
    const { status, json } = result;
    if (status === 412 && json.current) return showStale(json);
    if (status === 404 && editing) {
      claims.delete(editing.id);
      render();
      showMessage("error", [`Claim #${editing.id} no longer exists: someone deleted it meanwhile.`]);
      $("wb-message").scrollIntoView({ block: "nearest" });
      return;
    }
    const lines = [];
    let first = null;
    for (const [field, messages] of Object.entries(json)) {
      const said = (Array.isArray(messages) ? messages : [messages]).map((m) => plain(String(m))).join("; ");
      const el = field === "detail" || field === "non_field_errors" ? null : controlOf(field);
      if (el && form.contains(el) && !el.closest("[hidden]")) {
        showFieldError(el, said);
        first = first || el;
      } else if (field === "detail" || field === "non_field_errors") {
        lines.push(Array.isArray(messages) ? messages.join(" ") : String(messages));
      } else {
        lines.push(`${humanField(field)}: ${said}`);
      }
    }
    if (lines.length || !first) {
      showMessage("error", lines.length ? lines : [`The server answered ${status}.`]);
      $("wb-message").scrollIntoView({ block: "nearest" });
    }
    if (first) {
      first.scrollIntoView({ block: "center" });
      if (!first.disabled && first.focus) first.focus({ preventScroll: true });
    }
  }

  async function save() {
    if (form.hidden || $("wb-save").hidden) return;
    if (!$("wb-claim_type").value) {
      return showErrors({ status: 400, json: { claim_type: [`choose a type (keys 1–${TYPES.length})`] } });
    }
    let result;
    if (pending) {
      const span = {
        document: data.document,
        project: data.project.id,
        start: pending.start,
        end: pending.end,
        quote: pending.quote,
      };
      result = await send("POST", data.urls.claims, { ...span, ...payload() });
    } else {
      result = await send("PATCH", claimUrl(editing.id), { ...payload(), ...moved }, editing.version);
    }
    if (result.status === 201 && data.project.assignment === "assigned") {
      data.project.assignment = "in_progress"; // her first claim starts the assignment
      if ($("wb-assignment-state")) $("wb-assignment-state").textContent = data.project.assignment;
    }
    if (result.status === 200 || result.status === 201) {
      claims.set(result.json.id, result.json);
      closeForm();
      showHere(`Saved claim #${result.json.id}.`);
    } else {
      showErrors(result);
    }
  }

  // Submit, accept or reject: a change of status, under the claim's version like any edit.
  async function setStatus(status, reviewComment) {
    const body = reviewComment === undefined ? { status } : { status, review_comment: reviewComment };
    const result = await send("PATCH", claimUrl(editing.id), body, editing.version);
    if (result.status === 200) {
      claims.set(result.json.id, result.json);
      openClaim(result.json);
      showMessage("ok", [`Claim #${result.json.id} is now ${label("status", result.json.status)}.`]);
    } else {
      showErrors(result);
    }
  }

  async function deleteClaim() {
    const id = editing.id;
    const result = await send("DELETE", claimUrl(id), undefined, editing.version);
    if (result.status === 204) {
      claims.delete(id);
      closeForm();
      showHere(`Deleted claim #${id}. Deleted claims can be restored from the admin.`);
    } else {
      showErrors(result);
    }
  }

  // --- speaker autocomplete ----------------------------------------------------------

  let searchTimer = null;
  $("wb-speaker-input").addEventListener("input", () => {
    clearTimeout(searchTimer);
    speaker = null;
    searchTimer = setTimeout(() => {
      searchTimer = null;
      searchSpeakers();
    }, 150);
  });
  $("wb-speaker-input").addEventListener("keydown", async (event) => {
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
      // Picks the first suggestion that names a known speaker; never saves the claim.
      event.preventDefault();
      if (searchTimer !== null) {
        clearTimeout(searchTimer);
        searchTimer = null;
        await searchSpeakers();
      }
      const first = $("wb-speaker-options").querySelector("button:not(.wb-create)");
      if (first && !$("wb-speaker-options").hidden) first.click();
      return;
    }
    if (event.key === "ArrowDown") {
      const first = $("wb-speaker-options").querySelector("button");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  $("wb-speaker-clear").addEventListener("click", () => setSpeaker(null));

  async function searchSpeakers() {
    const term = $("wb-speaker-input").value.trim();
    const list = $("wb-speaker-options");
    if (!term) {
      list.hidden = true;
      return;
    }
    const url = `${data.urls.speakers}?page_size=20&q=${encodeURIComponent(term)}`;
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const found = (await response.json()).results;
    const items = found.map((s) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = s.name + (s.aliases.length ? ` (${s.aliases.join("、")})` : "");
      b.addEventListener("click", () => setSpeaker({ id: s.id, name: s.name }));
      return b;
    });
    const exact = found.some((s) => s.name === term || s.aliases.includes(term));
    if (!exact && data.me.can_add_speaker) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "wb-create";
      b.textContent = `+ New speaker “${term}”`;
      b.addEventListener("click", () => createSpeaker(term));
      items.push(b);
    }
    list.replaceChildren(
      ...items.map((b) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.append(b);
        return li;
      })
    );
    list.hidden = items.length === 0;
    $("wb-speaker-input").setAttribute("aria-expanded", String(!list.hidden));
  }

  async function createSpeaker(name) {
    const result = await send("POST", data.urls.speakers, { name });
    if (result.status === 201) setSpeaker({ id: result.json.id, name: result.json.name });
    else showErrors(result);
  }

  // --- buttons and keys --------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  $("wb-cancel").addEventListener("click", closeForm);
  $("wb-use-selection").addEventListener("click", useSelection);
  $("wb-submit").addEventListener("click", () => setStatus("submitted"));
  $("wb-accept").addEventListener("click", () => setStatus("accepted", $("wb-review-comment").value.trim()));
  $("wb-reject").addEventListener("click", () => setStatus("rejected", $("wb-review-comment").value.trim()));
  $("wb-delete").addEventListener("click", () => {
    // Two clicks, no modal dialog: the second click deletes.
    if (!deleteArmed) {
      deleteArmed = true;
      $("wb-delete").textContent = "Click again to delete";
      return;
    }
    deleteClaim();
  });

  document.addEventListener("keydown", (event) => {
    if (form.hidden) return;
    if (event.key === "Escape") {
      event.preventDefault();
      closeForm();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
      return;
    }
    // Enter alone in a field would submit the form (the browser's implicit submission):
    // saving takes Ctrl+Enter or a click on Save.
    if (event.key === "Enter" && event.target.tagName === "INPUT" && form.contains(event.target)) {
      event.preventDefault();
      return;
    }
    const typing = /^(INPUT|TEXTAREA)$/.test(event.target.tagName) && !event.altKey;
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (!typing && plain && event.key.toLowerCase() === "s" && !$("wb-use-selection").hidden) {
      event.preventDefault();
      useSelection();
      return;
    }
    const n = Number(event.key);
    if (!typing && n >= 1 && n <= TYPES.length && !$("wb-claim_type").disabled) {
      event.preventDefault();
      $("wb-claim_type").value = TYPES[n - 1];
      showFigureFields();
      clearTypeError();
    }
  });

  setupForm();
  render();
  root.dataset.ready = "1";

  // Project assignment: she marks the document finished (POST /api/v1/projects/<id>/finish/).
  const finishButton = $("wb-finish");
  if (finishButton) {
    finishButton.addEventListener("click", async () => {
      const result = await send("POST", data.project.finish_url, { document: data.document });
      if (result.status === 200) {
        data.project.assignment = result.json.state;
        $("wb-assignment-state").textContent = result.json.state;
        finishButton.disabled = true;
        showHere(gettext("Document marked finished."));
      } else {
        showHere(Object.values(result.json).flat().join(" "));
      }
    });
  }
})();
