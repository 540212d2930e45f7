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
//
// Long documents (300,000 characters, 3,000 claims) stay fast because nothing
// is drawn twice: the text is cut into chunks of about CHUNK code points at line
// breaks, each chunk is drawn once at start and again only when a claim or mark
// inside it changes, and the browser lays out only the chunks on screen
// (content-visibility in workbench.css). The page carries only where each claim
// is (claim_index); the form loads a claim in full from the API when it opens,
// usually before the click, as the pointer or the keyboard reaches it.
//
// The form's hooks for other scripts (workbench-figures.js, workbench-relations.js)
// are window.workbench (below, at the end) and these events on the form:
//   wb:open     detail {claim, passage}: the form was filled, for a claim (the API's
//               record) or a new passage ({start, end, quote}; the other is null)
//   wb:payload  detail {payload}: about to be sent; listeners may add or change keys
//   wb:saved    detail {claim}: the API's record as saved
//   wb:close    the form was closed
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
  const CHUNK = 2000;

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

  function slice(start, end) {
    return text.slice(cpToUnit[start], cpToUnit[end]);
  }

  // Each claim as the text draws it: {id, start, end, claim_type, status, annotator}.
  const claims = new Map(
    data.claims.map((c) => [c.id, { id: c.id, start: c.start, end: c.end, claim_type: c.claim_type, status: c.status, annotator: c.annotator_name }])
  );
  const records = new Map(); // id -> the claim in full as the API last gave it
  let pending = null; // {start, end, quote} of a selection not yet saved
  let editing = null; // the claim open in the form, as last loaded
  let selected = null; // {start, end, quote} selected in the text while a claim is open
  let moved = null; // the open claim's new span, sent with the next save
  let speaker = null; // {id, name} chosen in the form
  let deleteArmed = false;
  let focusId = null; // the highlight that has (or last had) the keyboard focus
  let caret = null; // keyboard selection {anchor, focus} in code points, or null
  let matches = []; // find in document: [{start, end}] in text order
  let matchAt = -1; // the current match

  function entry(record) {
    const { id, start, end, claim_type, status, annotator } = record;
    return { id, start, end, claim_type, status, annotator };
  }

  // --- chunks ----------------------------------------------------------------------

  // Chunks end just after a line break, so that their boxes break lines where the
  // text does; a text without line breaks is one chunk.
  const chunks = [];
  for (let start = 0; start < cpCount; ) {
    const lineBreak = text.indexOf("\n", cpToUnit[Math.min(start + CHUNK, cpCount)]);
    const end = lineBreak < 0 ? cpCount : unitToCp(lineBreak + 1);
    const el = document.createElement("div");
    el.className = "wb-chunk";
    el.dataset.cp = String(start);
    el.dataset.end = String(end);
    chunks.push({ start, end, el, claims: new Set() });
    start = end;
  }
  textEl.replaceChildren(...chunks.map((c) => c.el));

  function chunkAt(cp) {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid].start <= cp) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  function chunksOf(start, end) {
    const found = [];
    for (let i = chunkAt(start); i < chunks.length && chunks[i].start < Math.max(end, start + 1); i++) found.push(i);
    return found;
  }

  function place(claim) {
    for (const i of chunksOf(claim.start, claim.end)) chunks[i].claims.add(claim.id);
  }

  function unplace(claim) {
    for (const i of chunksOf(claim.start, claim.end)) chunks[i].claims.delete(claim.id);
  }

  // Offscreen chunks are not laid out: give each the height its lines will about take.
  function estimateHeights() {
    const fontPx = parseFloat(getComputedStyle(textEl).fontSize) || 18;
    const perLine = Math.max(10, Math.floor(textEl.clientWidth / (fontPx * 1.05)));
    const linePx = fontPx * 2.1;
    for (const chunk of chunks) {
      let lines = 0;
      for (const line of slice(chunk.start, chunk.end).split("\n")) lines += Math.max(1, Math.ceil(line.length / perLine));
      chunk.el.style.containIntrinsicSize = `auto ${Math.round(lines * linePx)}px`;
    }
  }

  // --- rendering -------------------------------------------------------------------

  let filterAnnotator = "";
  let filterStatus = "";

  function isShown(c) {
    return (!filterAnnotator || c.annotator === filterAnnotator) && (!filterStatus || c.status === filterStatus);
  }

  // Shown claims in text order, the order of the arrow keys and of [ and ].
  let order = [];
  function sortClaims() {
    order = [...claims.values()].filter(isShown).sort((x, y) => x.start - y.start || y.end - x.end || x.id - y.id);
  }

  // The unsaved span: a selection for a new claim, a claim's new span, or the keyboard selection.
  function unsavedSpan() {
    if (caret && caret.anchor !== caret.focus) {
      return { start: Math.min(caret.anchor, caret.focus), end: Math.max(caret.anchor, caret.focus) };
    }
    return pending || moved;
  }

  function firstMatchFrom(cp) {
    let lo = 0;
    let hi = matches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (matches[mid].end <= cp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // One chunk as segments cut at every claim and mark boundary; each segment is one
  // span holding one text node, and knows its code points (data-cp, data-end).
  function renderChunk(i) {
    const chunk = chunks[i];
    const spans = [];
    for (const id of chunk.claims) {
      const c = claims.get(id);
      if (isShown(c)) spans.push(c);
    }
    const unsaved = unsavedSpan();
    const cuts = new Set([chunk.start, chunk.end]);
    const cut = (cp) => {
      if (cp > chunk.start && cp < chunk.end) cuts.add(cp);
    };
    for (const s of spans) {
      cut(s.start);
      cut(s.end);
    }
    if (unsaved) {
      cut(unsaved.start);
      cut(unsaved.end);
    }
    if (caret) cut(caret.focus);
    const firstMatch = firstMatchFrom(chunk.start);
    for (let m = firstMatch; m < matches.length && matches[m].start < chunk.end; m++) {
      cut(matches[m].start);
      cut(matches[m].end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    let m = firstMatch;
    for (let p = 0; p + 1 < points.length; p++) {
      const a = points[p];
      const b = points[p + 1];
      const seg = document.createElement("span");
      seg.className = "wb-seg";
      seg.dataset.cp = String(a);
      seg.dataset.end = String(b);
      seg.textContent = slice(a, b);
      // Innermost (shortest) first: it gives the background, the rest stack as underlines.
      const real = spans.filter((s) => s.start <= a && s.end >= b).sort((x, y) => x.end - x.start - (y.end - y.start));
      if (real.length) {
        seg.classList.add("wb-hl", "wb-type-" + real[0].claim_type);
        seg.dataset.claims = real.map((s) => s.id).join(" ");
        seg.title = real
          .map((s) => `#${s.id} ${label("claim_type", s.claim_type)} · ${s.annotator} · ${label("status", s.status)}`)
          .join("\n");
        seg.style.boxShadow = real
          .map((s, depth) => `inset 0 -${3 * (depth + 1)}px 0 ${TYPE_COLOURS[s.claim_type]}`)
          .join(", ");
        const starting = real.filter((s) => s.start === a);
        if (starting.length) {
          seg.classList.add("wb-start");
          seg.dataset.starts = starting.map((s) => s.id).join(" ");
        }
        if (real.length > 1) seg.classList.add("wb-nested");
        if (editing && real.some((s) => s.id === editing.id)) seg.classList.add("wb-current");
      }
      if (unsaved && unsaved.start <= a && unsaved.end >= b) seg.classList.add("wb-pending");
      if (caret && caret.focus === a) seg.classList.add("wb-caret");
      if (caret && caret.focus === b && b === cpCount) seg.classList.add("wb-caret-end");
      while (m < matches.length && matches[m].end <= a) m++;
      if (m < matches.length && matches[m].start <= a && matches[m].end >= b) {
        seg.classList.add(m === matchAt ? "wb-match-current" : "wb-match");
      }
      fragment.appendChild(seg);
    }
    chunk.el.replaceChildren(fragment);
    const target = focusTarget(focusId);
    if (target && chunkAt(target.start) === i) {
      const el = highlightOf(target);
      if (el) el.tabIndex = 0;
    }
  }

  // Redraws the chunks covering the given spans ({start, end}), and nothing else.
  function refresh(spans) {
    const hadFocus = textEl.contains(document.activeElement) && document.activeElement !== textEl;
    const redraw = new Set();
    for (const s of spans) if (s) for (const i of chunksOf(s.start, s.end)) redraw.add(i);
    for (const i of redraw) renderChunk(i);
    if (hadFocus && !textEl.contains(document.activeElement)) focusHighlight(focusId);
  }

  function renderAll() {
    sortClaims();
    chunks.forEach((_, i) => renderChunk(i));
    if (!focusTarget(focusId)) textEl.tabIndex = 0;
    renderLegend();
    renderProgress();
  }

  // The spans that look different while a claim is open, a span pending or the caret shown.
  function marks() {
    const caretSpan = caret && { start: Math.min(caret.anchor, caret.focus), end: Math.max(caret.anchor, caret.focus) };
    return [editing, pending, moved, caretSpan, matches[matchAt]];
  }

  // Runs `change` and redraws the chunks of the marks it moved, before and after.
  function updating(change) {
    const before = marks();
    change();
    refresh([...before, ...marks()]);
  }

  // A claim added, changed or deleted: place it anew and redraw where it was and is.
  function claimChanged(id, record) {
    const old = claims.get(id);
    if (old) unplace(old);
    if (record) {
      records.set(id, record);
      claims.set(id, entry(record));
      place(claims.get(id));
    } else {
      records.delete(id);
      claims.delete(id);
    }
    sortClaims();
    refresh([old, claims.get(id)]);
    renderLegend();
    renderProgress();
  }

  function label(field, value) {
    const found = data.choices[field].find((c) => c[0] === value);
    return found ? found[1] : value;
  }

  function renderLegend() {
    const counts = {};
    for (const c of order) counts[c.claim_type] = (counts[c.claim_type] || 0) + 1;
    const legend = root.querySelector(".wb-legend");
    legend.replaceChildren(
      ...TYPES.map((type, i) => {
        const item = document.createElement("span");
        item.className = "wb-legend-item";
        const swatch = document.createElement("span");
        swatch.className = "wb-swatch wb-type-" + type;
        swatch.style.borderBottomColor = TYPE_COLOURS[type];
        item.append(swatch, `${i + 1} ${label("claim_type", type)} (${counts[type] || 0})`);
        return item;
      })
    );
  }

  function table(el, rowLabels, colLabels, cell) {
    const head = "<tr><th></th>" + colLabels.map((c) => `<th>${esc(c)}</th>`).join("") + `<th>${esc(gettext("total"))}</th></tr>`;
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
    const statuses = data.choices.status.map((c) => c[0]);
    const byType = {};
    const byAnnotator = {};
    for (const c of claims.values()) {
      byType[c.claim_type + " " + c.status] = (byType[c.claim_type + " " + c.status] || 0) + 1;
      byAnnotator[c.annotator] = byAnnotator[c.annotator] || {};
      byAnnotator[c.annotator][c.status] = (byAnnotator[c.annotator][c.status] || 0) + 1;
    }
    const statusLabels = data.choices.status.map((c) => c[1]);
    table(
      $("wb-progress-table"),
      TYPES.map((t) => ({ key: t, label: label("claim_type", t) })),
      statusLabels,
      (r, j) => byType[r.key + " " + statuses[j]] || 0
    );
    const annotators = Object.keys(byAnnotator).sort();
    table(
      $("wb-annotator-table"),
      annotators.map((a) => ({ key: a, label: a })),
      statusLabels,
      (r, j) => byAnnotator[r.key][statuses[j]] || 0
    );
    const select = $("wb-filter-annotator");
    const chosen = select.value;
    const names = [...new Set([...annotators, data.me.username])].sort();
    select.replaceChildren(new Option(gettext("all"), ""), ...names.map((n) => new Option(n, n)));
    select.value = chosen;
  }

  // --- loading a claim in full ---------------------------------------------------------

  const loading = new Map(); // id -> the promise of its record

  function load(id) {
    if (records.has(id)) return Promise.resolve(records.get(id));
    if (!loading.has(id)) {
      const promise = send("GET", claimUrl(id)).then((result) => {
        loading.delete(id);
        if (result.status === 200) records.set(id, result.json);
        return result.status === 200 ? result.json : null;
      });
      loading.set(id, promise);
    }
    return loading.get(id);
  }

  // Fetched ahead as the pointer rests on a highlight, so a click finds it loaded.
  textEl.addEventListener("mouseover", (event) => {
    const seg = event.target.closest && event.target.closest(".wb-hl");
    if (seg) for (const id of seg.dataset.claims.split(" ")) load(Number(id));
  });

  // --- selection ---------------------------------------------------------------------

  // A DOM position (node, offset) as a code point, or null outside the text.
  function pointToCp(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest("[data-cp]");
      if (!seg || !textEl.contains(seg)) return null;
      return unitToCp(cpToUnit[Number(seg.dataset.cp)] + offset);
    }
    if (node !== textEl && !textEl.contains(node)) return null;
    const child = node.childNodes[offset];
    if (!child) return node === textEl ? cpCount : Number(node.dataset.end);
    if (child.nodeType === Node.TEXT_NODE) return pointToCp(child, 0);
    return Number(child.dataset.cp);
  }

  // The passage from start to end, whitespace trimmed, or null if only whitespace.
  function passage(start, end) {
    const raw = slice(start, end);
    const quote = raw.trim();
    if (!quote) return null;
    return {
      start: start + Array.from(raw.slice(0, raw.length - raw.trimStart().length)).length,
      end: end - Array.from(raw.slice(raw.trimEnd().length)).length,
      quote,
    };
  }

  // The mouse selection as {start, end, quote} in code points, whitespace trimmed.
  function selectedPassage() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!textEl.contains(range.commonAncestorContainer)) return null;
    const start = pointToCp(range.startContainer, range.startOffset);
    const end = pointToCp(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return passage(start, end);
  }

  // A passage chosen (by mouse or keyboard): the open claim's new span, or a new claim.
  function choose(found) {
    // A claim still loading (opened a moment ago) decides once it is there.
    if (found && opening !== null && !editing) return load(opening).then(() => choose(found));
    if (found && editing && editing.can.change) return offerSelection(found);
    if (!found) return;
    if (!data.me.can_add) return showHere(gettext("You may read claims here but not add them."));
    openNew(found);
  }

  textEl.addEventListener("mouseup", (event) => {
    selected = null;
    const found = selectedPassage();
    if (found) {
      if (caret) updating(() => (caret = null));
      return choose(found);
    }
    const seg = event.target.closest(".wb-hl");
    if (seg) openHighlight(seg, seg.dataset.claims.split(" ").map(Number));
  });

  function openHighlight(seg, ids) {
    if (ids.length > 1) showChooser(ids);
    else hideHere();
    focusId = ids[0];
    openClaim(ids[0]);
  }

  function showChooser(ids) {
    const here = $("wb-here");
    here.replaceChildren(document.createTextNode(gettext("Claims here (innermost first): ")));
    for (const id of ids) {
      const c = claims.get(id);
      const b = document.createElement("button");
      b.type = "button";
      b.className = "wb-chip wb-type-" + c.claim_type;
      b.style.borderColor = TYPE_COLOURS[c.claim_type];
      b.textContent = `#${id} ${label("claim_type", c.claim_type)}`;
      b.addEventListener("click", () => openClaim(id));
      here.append(b);
    }
    here.hidden = false;
  }

  // With a claim open that the user may change, a selection may be its new span
  // (the button or S) or a new claim (the button here).
  function offerSelection(found) {
    selected = found;
    const here = $("wb-here");
    here.replaceChildren(
      interpolate(gettext("Selected characters %(start)s–%(end)s: “Use selection as span” moves claim #%(id)s there. "), { start: found.start, end: found.end, id: editing.id }, true)
    );
    if (data.me.can_add) {
      const b = document.createElement("button");
      b.type = "button";
      b.id = "wb-new-from-selection";
      b.textContent = gettext("New claim from it");
      b.addEventListener("click", () => openNew(found));
      here.append(b);
    }
    here.hidden = false;
  }

  function useSelection() {
    if (!selected) {
      showMessage("error", [gettext("Select the new passage in the text first, then use it as the span.")]);
      return;
    }
    updating(() => {
      moved = selected;
      selected = null;
      caret = null;
    });
    hideHere();
    clearMessage();
    $("wb-quote").textContent = moved.quote;
    $("wb-meta").textContent = interpolate(
      gettext("characters %(start)s–%(end)s (was %(old_start)s–%(old_end)s) · saved with the next save, Esc discards"),
      { start: moved.start, end: moved.end, old_start: editing.start, old_end: editing.end },
      true
    );
    window.getSelection().removeAllRanges();
  }

  function showHere(message) {
    const here = $("wb-here");
    here.textContent = message;
    here.hidden = false;
  }

  function hideHere() {
    $("wb-here").hidden = true;
  }

  // --- keyboard in the text ------------------------------------------------------------
  //
  // The text is one stop of the Tab order: the highlight last focused (roving
  // tabindex). Arrows move between highlights, Enter opens one. C starts a caret
  // there (or at the current find match, selected): arrows move it a character,
  // up and down a sentence, with Shift they select; Enter makes the selection a new
  // claim or, with a claim open, offers it as that claim's span (S).

  function focusTarget(id) {
    const c = id === null ? null : claims.get(id);
    if (c && isShown(c)) return c;
    return order[0] || null;
  }

  function highlightOf(claim) {
    const el = chunks[chunkAt(claim.start)].el.querySelector(`[data-cp="${claim.start}"]`);
    return el && el.classList.contains("wb-hl") ? el : null;
  }

  function focusHighlight(id) {
    const target = focusTarget(id);
    if (!target) return textEl.focus();
    for (const el of textEl.querySelectorAll(".wb-seg[tabindex]")) el.removeAttribute("tabindex");
    textEl.tabIndex = -1;
    focusId = target.id;
    const el = highlightOf(target);
    el.tabIndex = 0;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
    load(target.id);
    say(`#${target.id} ${label("claim_type", target.claim_type)}: ${slice(target.start, target.end).slice(0, 60)}`);
  }

  // The next (step 1) or previous (-1) shown claim from the focused one.
  function stepClaim(step) {
    if (!order.length) return;
    const at = order.findIndex((c) => c.id === focusId);
    const next = at < 0 ? 0 : Math.min(order.length - 1, Math.max(0, at + step));
    focusHighlight(order[next].id);
  }

  function say(message) {
    $("wb-status").textContent = message;
  }

  function startCaret() {
    const match = matches[matchAt];
    const from = focusTarget(focusId);
    updating(() => {
      if (match) caret = { anchor: match.start, focus: match.end };
      else if (from) caret = { anchor: from.start, focus: from.start };
      else caret = { anchor: 0, focus: 0 };
    });
    textEl.tabIndex = -1;
    textEl.focus({ preventScroll: true });
    caretMoved();
  }

  const SENTENCE_ENDS = "。！？；\n";

  // The code point a sentence away from cp: after the next sentence end, or after the one before.
  function sentenceFrom(cp, step) {
    let at = cp + (step > 0 ? 1 : -1);
    while (at > 0 && at < cpCount && !SENTENCE_ENDS.includes(slice(at - 1, at))) at += step;
    return Math.max(0, Math.min(cpCount, at));
  }

  function moveCaret(event) {
    const step = event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1;
    const vertical = event.key === "ArrowUp" || event.key === "ArrowDown";
    updating(() => {
      const to = vertical ? sentenceFrom(caret.focus, step) : Math.max(0, Math.min(cpCount, caret.focus + step));
      caret = { anchor: event.shiftKey ? caret.anchor : to, focus: to };
    });
    caretMoved();
  }

  function caretMoved() {
    const el = textEl.querySelector(".wb-caret, .wb-caret-end");
    if (el) el.scrollIntoView({ block: "nearest" });
    const start = Math.min(caret.anchor, caret.focus);
    const end = Math.max(caret.anchor, caret.focus);
    say(
      start === end
        ? interpolate(gettext("Caret at character %(cp)s."), { cp: caret.focus }, true)
        : interpolate(gettext("Selected characters %(start)s–%(end)s: %(quote)s"), { start, end, quote: slice(start, end) }, true)
    );
  }

  function stopCaret() {
    updating(() => (caret = null));
    say("");
    focusHighlight(focusId);
  }

  textEl.addEventListener("keydown", (event) => {
    const plainKey = !event.ctrlKey && !event.metaKey && !event.altKey;
    const arrow = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(event.key);
    if (caret) {
      if (arrow && plainKey) {
        event.preventDefault();
        moveCaret(event);
      } else if (event.key === "Enter" && plainKey) {
        event.preventDefault();
        const found = passage(Math.min(caret.anchor, caret.focus), Math.max(caret.anchor, caret.focus));
        if (!found) return say(gettext("Select characters with Shift and the arrow keys first."));
        choose(found);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        stopCaret();
      }
      return;
    }
    if (arrow && plainKey) {
      event.preventDefault();
      stepClaim(event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1);
    } else if ((event.key === "Home" || event.key === "End") && plainKey && order.length) {
      event.preventDefault();
      focusHighlight(order[event.key === "Home" ? 0 : order.length - 1].id);
    } else if ((event.key === "Enter" || event.key === " ") && plainKey) {
      const seg = event.target.closest && event.target.closest(".wb-hl");
      if (!seg) return;
      event.preventDefault();
      openHighlight(seg, [focusId, ...seg.dataset.claims.split(" ").map(Number).filter((id) => id !== focusId)]);
    } else if (event.key.toLowerCase() === "c" && plainKey) {
      event.preventDefault();
      startCaret();
    }
  });

  textEl.addEventListener("focusin", (event) => {
    const seg = event.target.closest && event.target.closest(".wb-start");
    if (seg) focusId = Number(seg.dataset.starts.split(" ")[0]);
  });

  // --- find in document ----------------------------------------------------------------

  function find(term) {
    updating(() => {
      const before = matches;
      matches = [];
      matchAt = -1;
      if (term) {
        const haystack = text.toLowerCase();
        const needle = term.toLowerCase();
        for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) {
          const start = unitToCp(at);
          matches.push({ start, end: unitToCp(at + needle.length) });
        }
      }
      // Every chunk with a match, before or after, is drawn again.
      refresh([...before, ...matches]);
    });
    showMatchCount();
  }

  function showMatchCount() {
    $("wb-find-count").textContent = !$("wb-find").value
      ? ""
      : matches.length
        ? interpolate(gettext("%(at)s of %(count)s"), { at: matchAt + 1, count: matches.length }, true)
        : gettext("no match");
  }

  // The next (1) or previous (-1) match from the current one, or from the top of the window.
  function stepMatch(step) {
    if (!matches.length) return;
    updating(() => {
      if (matchAt < 0) {
        const top = topCp();
        matchAt = step > 0 ? firstMatchFrom(top) % matches.length : (firstMatchFrom(top) - 1 + matches.length) % matches.length;
      } else {
        matchAt = (matchAt + step + matches.length) % matches.length;
      }
    });
    const el = textEl.querySelector(".wb-match-current");
    if (el) el.scrollIntoView({ block: "center" });
    showMatchCount();
  }

  // The first code point on screen (roughly: the first chunk in view).
  function topCp() {
    const i = chunks.findIndex((c) => c.el.getBoundingClientRect().bottom > 0);
    return i < 0 ? 0 : chunks[i].start;
  }

  let findTimer = null;
  $("wb-find").addEventListener("input", () => {
    clearTimeout(findTimer);
    findTimer = setTimeout(() => find($("wb-find").value), 150);
  });
  $("wb-find").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (findTimer !== null) {
        clearTimeout(findTimer);
        findTimer = null;
        find($("wb-find").value);
      }
      stepMatch(event.shiftKey ? -1 : 1);
    } else if (event.key === "Escape") {
      // Back to the text, where C starts a caret on the current match.
      event.preventDefault();
      event.stopPropagation();
      focusHighlight(focusId);
    }
  });
  $("wb-find-next").addEventListener("click", () => stepMatch(1));
  $("wb-find-previous").addEventListener("click", () => stepMatch(-1));

  // --- the form ----------------------------------------------------------------------

  function fillSelect(id, field) {
    $(id).replaceChildren(...data.choices[field].map((c) => new Option(c[1], c[0])));
  }

  function setupForm() {
    fillSelect("wb-claim_type", "claim_type");
    // No default type: a new claim has none until the annotator picks one (or presses 1-6).
    $("wb-claim_type").prepend(new Option(interpolate(gettext("— choose (keys 1–%s) —"), [TYPES.length]), ""));
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
    for (const select of [status, $("wb-filter-annotator")]) {
      select.addEventListener("change", () => {
        filterStatus = status.value;
        filterAnnotator = $("wb-filter-annotator").value;
        renderAll();
      });
    }
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
    clearMessage();
    clearFieldErrors();
    $("wb-review-note").hidden = true;
    speaker = null;
    deleteArmed = false;
    $("wb-delete").textContent = gettext("Delete");
    $("wb-speaker-options").hidden = true;
  }

  // Hook: the form for a new claim over `passage` ({start, end, quote}, code points).
  function openNew(passage) {
    resetForm();
    hideHere();
    opening = null;
    updating(() => {
      pending = passage;
      editing = null;
      moved = null;
      caret = null;
    });
    $("wb-form-title").textContent = gettext("New claim");
    $("wb-quote").textContent = passage.quote;
    $("wb-meta").textContent = interpolate(gettext("characters %(start)s–%(end)s"), { start: passage.start, end: passage.end }, true);
    $("wb-attribution").value = "authorial";
    $("wb-claim_type").value = "";
    setEditable(true, { submit: false, delete: false, review: false });
    $("wb-admin-link").hidden = true;
    form.hidden = false;
    showFigureFields();
    $("wb-claim_type").focus();
    opened({ claim: null, passage });
  }

  function opened(detail) {
    form.dispatchEvent(new CustomEvent("wb:open", { detail }));
  }

  let opening = null; // the id of the claim the form is opening or showing

  // Hook: the form for a claim, by id (loaded from the API unless already loaded)
  // or as the API's record.
  function openClaim(idOrRecord) {
    const id = typeof idOrRecord === "number" ? idOrRecord : idOrRecord.id;
    if (typeof idOrRecord === "object") records.set(id, idOrRecord);
    opening = id;
    if (records.has(id)) return fillClaim(records.get(id));
    // Shown at once with what the page knows, filled when the API answers.
    const known = claims.get(id);
    resetForm();
    updating(() => {
      pending = null;
      moved = null;
      editing = null;
    });
    $("wb-form-title").textContent = interpolate(gettext("Claim #%(id)s"), { id }, true);
    $("wb-quote").textContent = known ? slice(known.start, known.end) : "";
    $("wb-meta").textContent = gettext("loading…");
    setEditable(false, {});
    $("wb-admin-link").hidden = true;
    form.hidden = false;
    load(id).then((record) => {
      if (opening !== id) return;
      if (record) return fillClaim(record);
      claimChanged(id, null);
      showMessage("error", [interpolate(gettext("Claim #%(id)s no longer exists: someone deleted it meanwhile."), { id }, true)]);
    });
  }

  function fillClaim(claim) {
    resetForm();
    updating(() => {
      pending = null;
      moved = null;
      editing = claim;
    });
    $("wb-form-title").textContent = interpolate(gettext("Claim #%(id)s"), { id: claim.id }, true);
    $("wb-quote").textContent = claim.quote;
    $("wb-meta").textContent =
      interpolate(gettext("characters %(start)s–%(end)s"), { start: claim.start, end: claim.end }, true) + ` · ${claim.annotator} · ${label("status", claim.status)}` +
      (claim.reviewer ? " " + interpolate(pgettext("reviewed by", "by %s"), [claim.reviewer]) : "") +
      (claim.review_comment ? ` — “${claim.review_comment}”` : "") +
      " · " + interpolate(gettext("version %s"), [claim.version]);
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
    opened({ claim, passage: null });
  }

  // A rejected claim is back with its annotator: say why, and what she can do now.
  function showReviewNote(claim) {
    const note = $("wb-review-note");
    note.hidden = claim.status !== "rejected" || !claim.review_comment;
    if (note.hidden) return;
    const next = claim.can.change
      ? " " + gettext("Edit it and save (it becomes a draft again), submit it for review again, or delete it.")
      : "";
    note.textContent = interpolate(gettext("Rejected by %(reviewer)s: “%(comment)s”."), { reviewer: claim.reviewer || gettext("a reviewer"), comment: claim.review_comment }, true) + next;
    $("wb-submit").textContent = gettext("Resubmit for review");
  }

  function setEditable(canChange, can) {
    $("wb-submit").textContent = gettext("Submit for review");
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
    const hadFocus = form.contains(document.activeElement);
    if (hadFocus) document.activeElement.blur();
    form.hidden = true;
    opening = null;
    updating(() => {
      pending = null;
      editing = null;
      selected = null;
      moved = null;
      caret = null;
    });
    hideHere();
    window.getSelection().removeAllRanges();
    form.dispatchEvent(new CustomEvent("wb:close"));
    // Keyboard users carry on in the text where they were.
    if (hadFocus) focusHighlight(focusId);
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
    const body = {
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
    form.dispatchEvent(new CustomEvent("wb:payload", { detail: { payload: body } }));
    return body;
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
        json = { detail: interpolate(gettext("The server answered %s without JSON."), [response.status]) };
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
    reload.textContent = gettext("Load their version");
    reload.addEventListener("click", () => {
      claimChanged(json.current.id, json.current);
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
    "wb-quote": gettext("Passage"),
    "wb-topics": gettext("Topics"),
    "wb-speaker-input": gettext("Speaker"),
    "wb-figure": gettext("The number"),
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
    [/^A valid number is required\.?$/, gettext("enter a number")],
    [/^(This field may not be blank|This field is required|This field may not be null)\.?$/, gettext("fill this in")],
    [/is not a valid choice\.?$/, gettext("choose one of the options")],
    [/^Date has wrong format/, gettext("enter a date as YYYY-MM-DD")],
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
    p.textContent = interpolate(gettext("%(label)s: %(problem)s"), { label: labelOf(el), problem: text }, true);
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
      claimChanged(editing.id, null);
      showMessage("error", [interpolate(gettext("Claim #%(id)s no longer exists: someone deleted it meanwhile."), { id: editing.id }, true)]);
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
        lines.push(interpolate(gettext("%(label)s: %(problem)s"), { label: humanField(field), problem: said }, true));
      }
    }
    if (lines.length || !first) {
      showMessage("error", lines.length ? lines : [interpolate(gettext("The server answered %s."), [status])]);
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
      return showErrors({ status: 400, json: { claim_type: [interpolate(gettext("choose a type (keys 1–%s)"), [TYPES.length])] } });
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
      showAssignment("in_progress"); // her first claim starts the assignment
    }
    if (result.status === 200 || result.status === 201) {
      claimChanged(result.json.id, result.json);
      focusId = result.json.id;
      form.dispatchEvent(new CustomEvent("wb:saved", { detail: { claim: result.json } }));
      closeForm();
      showHere(interpolate(gettext("Saved claim #%s."), [result.json.id]));
    } else {
      showErrors(result);
    }
  }

  // Submit, accept or reject: a change of status, under the claim's version like any edit.
  async function setStatus(status, reviewComment) {
    const body = reviewComment === undefined ? { status } : { status, review_comment: reviewComment };
    const result = await send("PATCH", claimUrl(editing.id), body, editing.version);
    if (result.status === 200) {
      claimChanged(result.json.id, result.json);
      openClaim(result.json);
      showMessage("ok", [interpolate(gettext("Claim #%(id)s is now %(status)s."), { id: result.json.id, status: label("status", result.json.status) }, true)]);
    } else {
      showErrors(result);
    }
  }

  async function deleteClaim() {
    const id = editing.id;
    const result = await send("DELETE", claimUrl(id), undefined, editing.version);
    if (result.status === 204) {
      claimChanged(id, null);
      closeForm();
      showHere(interpolate(gettext("Deleted claim #%s. Deleted claims can be restored from the admin."), [id]));
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
      b.textContent = interpolate(gettext("+ New speaker “%s”"), [term]);
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

  // Her assignment's state in the project box, by its label.
  function showAssignment(state) {
    data.project.assignment = state;
    const shown = $("wb-assignment-state");
    if (!shown) return;
    shown.dataset.state = state;
    shown.textContent = label("assignment_state", state);
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
      $("wb-delete").textContent = gettext("Click again to delete");
      return;
    }
    deleteClaim();
  });
  $("wb-keys-open").addEventListener("click", () => $("wb-keys").showModal());

  // Keys anywhere on the page (outside text boxes): ? the shortcuts, / find,
  // ] and [ the next and previous claim, F3 the next match.
  function pageKeys(event, typing) {
    const plainKey = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (event.key === "F3") {
      event.preventDefault();
      return stepMatch(event.shiftKey ? -1 : 1), true;
    }
    if (typing || !plainKey) return false;
    if (event.key === "?") {
      event.preventDefault();
      $("wb-keys").showModal();
      return true;
    }
    if (event.key === "/") {
      event.preventDefault();
      $("wb-find").focus();
      $("wb-find").select();
      return true;
    }
    if (event.key === "]" || event.key === "[") {
      event.preventDefault();
      if (caret) stopCaret();
      stepClaim(event.key === "]" ? 1 : -1);
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", (event) => {
    if ($("wb-keys").open) return; // the dialog closes itself on Esc
    const typing = /^(INPUT|TEXTAREA)$/.test(event.target.tagName) && !event.altKey;
    if (pageKeys(event, typing)) return;
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
    const plainKey = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (!typing && plainKey && event.key.toLowerCase() === "s" && !$("wb-use-selection").hidden) {
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

  // The side panel sticks at the top of the window once scrolled there; above that
  // it starts lower, so its height is what is left of the window below its top,
  // keeping Save (sticky at its bottom) in view at any scroll.
  const side = root.querySelector(".wb-side");
  let fitting = false;
  function fitSide() {
    fitting = false;
    side.style.maxHeight = `${window.innerHeight - Math.max(side.getBoundingClientRect().top, 0) - 8}px`;
  }
  for (const name of ["scroll", "resize"]) {
    window.addEventListener(name, () => {
      if (!fitting) requestAnimationFrame(fitSide);
      fitting = true;
    }, { passive: true });
  }

  setupForm();
  fitSide();
  estimateHeights();
  for (const c of claims.values()) place(c);
  renderAll();

  // Hooks for the scripts that extend the form (see the top of this file).
  window.workbench = {
    data,
    form,
    text,
    slice, // the text between two code points
    label, // a choice's label: label("claim_type", "target")
    cpToUnit,
    unitToCp,
    claims, // id -> {id, start, end, claim_type, status, annotator}
    openClaim,
    openNew,
    save,
    payload,
    send,
    claimUrl,
    showErrors,
    currentClaim: () => editing,
    currentPassage: () => pending,
  };
  root.dataset.ready = "1";

  // Project assignment: she marks the document finished (POST /api/v1/projects/<id>/finish/).
  const finishButton = $("wb-finish");
  if (finishButton) {
    finishButton.addEventListener("click", async () => {
      const result = await send("POST", data.project.finish_url, { document: data.document });
      if (result.status === 200) {
        showAssignment(result.json.state);
        finishButton.disabled = true;
        showHere(gettext("Document marked finished."));
      } else {
        showHere(Object.values(result.json).flat().join(" "));
      }
    });
  }
  performance.mark("wb-ready");
})();
