// Relations in the workbench: the open claim supports, contradicts, restates, elaborates,
// responds to, or is evidence for another claim. Loaded after workbench.js.
//
// The relations a claim makes are part of the claim resource (`relations` in
// /api/v1/claims/), so they are saved with the claim, in the same request and under its
// version: this panel only edits the list that the next save sends. The other claim is
// picked from a list of this document's claims, or in the text ("Pick in the text", then
// click its highlight; Esc stops picking).
//
// The list is a text box with a <datalist> (typing "#12" or words of the passage narrows
// it), filled when the box is focused: a <select> of a long document's 3,000 claims had
// to be styled and measured option by option each time the form opened (0.8 s of the
// 1.1 s from a click on a highlight to the painted form); a datalist is never laid out.
(function () {
  "use strict";

  const wb = window.workbench;
  // The form's events (workbench.js, at its top): wb:open when filled, wb:payload before a save.
  const onOpen = (listener) => wb.form.addEventListener("wb:open", (event) => listener(event.detail));
  const onPayload = (listener) =>
    wb.form.addEventListener("wb:payload", (event) => listener(event.detail.payload));
  const $ = (id) => document.getElementById(id);
  const textEl = $("wb-text");

  let wanted = []; // [{target, kind, note}] as the next save will send them
  let loaded = "[]"; // the same, as the claim was opened: unchanged lists are not sent
  let openId = null; // the open claim's id (null for a new one)
  let picking = false;

  const panel = document.createElement("fieldset");
  panel.id = "wb-relation-panel";
  const legend = document.createElement("legend");
  legend.textContent = gettext("Relations to other claims");
  const list = document.createElement("ul");
  list.id = "wb-relation-list";
  list.className = "wb-relation-list";
  const none = document.createElement("p");
  none.className = "wb-help";
  none.textContent = gettext("None yet.");

  // The kind select carries the id the API's errors (relations.0.kind) are shown beside.
  const kindLabel = document.createElement("label");
  kindLabel.htmlFor = "wb-relations";
  kindLabel.textContent = gettext("Relation");
  const kind = document.createElement("select");
  kind.id = "wb-relations";
  kind.append(...wb.data.choices.relation_kind.map(([value, text]) => new Option(text, value)));

  const targetLabel = document.createElement("label");
  targetLabel.htmlFor = "wb-relation-target";
  targetLabel.textContent = gettext("to the claim");
  const target = Object.assign(document.createElement("input"), {
    type: "text",
    id: "wb-relation-target",
    placeholder: gettext("#number or words of the passage"),
    autocomplete: "off",
  });
  let targets = document.createElement("datalist");
  targets.id = "wb-relation-targets";
  target.setAttribute("list", targets.id);
  let listed = ""; // the values the list holds, one a line

  const pick = button("wb-relation-pick", gettext("Pick in the text"));
  const add = button("wb-relation-add", gettext("Add relation"));
  const status = document.createElement("p");
  status.id = "wb-relation-status";
  status.className = "wb-help";
  status.setAttribute("role", "status");

  panel.append(legend, list, none, kindLabel, kind, targetLabel, target, targets, pick, add, status);
  $("wb-figure").after(panel);

  function button(id, text) {
    return Object.assign(document.createElement("button"), { type: "button", id, textContent: text });
  }

  function describe(id) {
    const claim = wb.claims.get(id);
    if (!claim) return interpolate(gettext("claim #%(id)s (in another document)"), { id }, true);
    const quote = Array.from(wb.slice(claim.start, claim.end));
    const short = quote.length > 24 ? quote.slice(0, 23).join("") + "…" : quote.join("");
    return `#${id} ${wb.label("claim_type", claim.claim_type)}: ${short}`;
  }

  // The document's other claims as they are now, in text order. A changed list is a new
  // datalist put in the old one's place: replacing the 3,000 options of the focused box's
  // list took 36, then 90, then 170 ms at each focus; this takes 30 ms once, then 7.
  function fillTargets() {
    const others = [...wb.claims.values()].filter((c) => c.id !== openId).sort((a, b) => a.start - b.start);
    const values = others.map((c) => describe(c.id));
    if (values.join("\n") === listed) return;
    listed = values.join("\n");
    const fresh = document.createElement("datalist");
    fresh.id = targets.id;
    fresh.append(...values.map((value) => Object.assign(document.createElement("option"), { value })));
    targets.replaceWith(fresh);
    targets = fresh;
  }

  // The claim the box names ("#12 …" as the list and picking put it, or a bare 12), or null.
  function chosenTarget() {
    const found = /^\s*#?(\d+)/.exec(target.value);
    const id = found ? Number(found[1]) : null;
    return id !== null && id !== openId && wb.claims.has(id) ? id : null;
  }

  function render() {
    list.replaceChildren(
      ...wanted.map((relation, index) => {
        const li = document.createElement("li");
        li.dataset.target = String(relation.target);
        li.dataset.kind = relation.kind;
        li.append(`${wb.label("relation_kind", relation.kind)} → ${describe(relation.target)} `);
        const remove = Object.assign(document.createElement("button"), {
          type: "button",
          className: "wb-relation-remove",
          textContent: "×",
          title: gettext("Remove this relation (saved with the claim)"),
          disabled: kind.disabled,
        });
        remove.addEventListener("click", () => {
          wanted.splice(index, 1);
          render();
        });
        li.append(remove);
        return li;
      })
    );
    none.hidden = wanted.length > 0;
    const changed = JSON.stringify(wanted) !== loaded;
    status.textContent = changed ? gettext("Changed: saved with the claim (Save or Ctrl+Enter).") : "";
  }

  function setPicking(on) {
    picking = on;
    textEl.classList.toggle("wb-picking", on);
    pick.setAttribute("aria-pressed", String(on));
    status.textContent = on ? gettext("Click the highlight of the other claim in the text (Esc stops).") : "";
  }

  onOpen(({ claim }) => {
    openId = claim ? claim.id : null;
    wanted = claim ? claim.relations.map((r) => ({ target: r.target, kind: r.kind, note: r.note })) : [];
    loaded = JSON.stringify(wanted);
    const editable = claim ? claim.can.change : true;
    for (const el of [kind, target, pick, add]) el.disabled = !editable;
    setPicking(false);
    target.value = "";
    render();
  });

  target.addEventListener("focus", fillTargets);

  // Sent only when changed, so a save by someone who did not touch them keeps them as stored.
  onPayload((body) => {
    if (JSON.stringify(wanted) !== loaded) body.relations = wanted;
  });

  add.addEventListener("click", () => {
    const id = chosenTarget();
    if (id === null) {
      status.textContent = gettext("Choose the other claim first (from the list or in the text).");
      target.focus();
      return;
    }
    if (wanted.some((r) => r.target === id && r.kind === kind.value)) {
      status.textContent = gettext("This relation is already listed.");
      return;
    }
    wanted.push({ target: id, kind: kind.value, note: "" });
    target.value = "";
    render();
  });

  pick.addEventListener("click", () => setPicking(!picking));

  // While picking, a click on a highlight chooses its claim and opens nothing: this runs
  // before workbench.js's own listener on the text and stops the event there.
  textEl.addEventListener(
    "mouseup",
    (event) => {
      if (!picking) return;
      event.stopImmediatePropagation();
      const seg = event.target.closest("[data-claims]");
      const ids = seg ? seg.dataset.claims.split(" ").map(Number).filter((id) => id !== openId) : [];
      if (!ids.length) {
        status.textContent = gettext("That is not another claim's highlight: click one, or press Esc.");
        return;
      }
      setPicking(false);
      target.value = describe(ids[0]); // the innermost claim at that place
      status.textContent = interpolate(gettext("Picked %(claim)s: choose the relation and add it."), { claim: describe(ids[0]) }, true);
      add.focus();
    },
    true
  );

  document.addEventListener(
    "keydown",
    (event) => {
      if (picking && event.key === "Escape") {
        event.stopImmediatePropagation();
        event.preventDefault();
        setPicking(false);
      }
    },
    true
  );
})();
