// The admin's network page: options in, GET /api/v1/networks/, a force layout
// out (d3-force, vendored from npm in ./vendor). Every text from the server is
// set with textContent, never as HTML.
"use strict";

(function () {
  const form = document.getElementById("nw-form");
  const svg = document.getElementById("nw-svg");
  const errorBox = document.getElementById("nw-error");
  const claimList = document.getElementById("nw-claims");
  const edgeTitle = document.getElementById("nw-edge-title");
  const aggregations = JSON.parse(document.getElementById("nw-aggregations").textContent);
  const normalizations = JSON.parse(document.getElementById("nw-normalizations").textContent);
  const SVG_NS = "http://www.w3.org/2000/svg";
  const COLOURS = { positive: "#2e8b57", negative: "#c0392b", neutral: "#999" };

  let series = [];
  let current = 0;
  let simulation = null;
  let query = null;

  function setChoices(select, values) {
    const previous = select.value;
    select.replaceChildren();
    for (const value of values) {
      const option = document.createElement("option");
      option.textContent = value;
      select.append(option);
    }
    if (values.includes(previous)) select.value = previous;
  }

  function fitChoices() {
    const type = form.elements.network_type.value;
    setChoices(form.elements.qualifier_aggregation, aggregations[type]);
    setChoices(form.elements.normalization, normalizations[type]);
  }

  // The API's parameters from the form: empty fields left out, the exclude box
  // as repeated exclude_<variable1> values.
  function parameters() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (name === "exclude" || value === "") continue;
      if (name === "window_size" && form.elements.time_window.value === "no") continue;
      params.append(name, value);
    }
    const variable1 = form.elements.variable1.value;
    for (const value of form.elements.exclude.value.split(",")) {
      if (value.trim()) params.append("exclude_" + variable1, value.trim());
    }
    return params;
  }

  function withParams(url, params, extra) {
    const all = new URLSearchParams(params);
    for (const [name, value] of Object.entries(extra || {})) all.set(name, value);
    return url + "?" + all.toString();
  }

  function errorText(body) {
    if (!body || typeof body !== "object") return gettext("The server refused the request.");
    return Object.entries(body)
      .map(([name, problem]) => name + ": " + (Array.isArray(problem) ? problem.join(" ") : problem))
      .join("; ");
  }

  async function draw(event) {
    if (event) event.preventDefault();
    errorBox.textContent = "";
    query = parameters();
    updateDownloads();
    const response = await fetch(withParams(form.dataset.api, query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      errorBox.textContent = errorText(body);
      return;
    }
    series = body.series || [body];
    current = 0;
    document.getElementById("nw-windows").hidden = !body.series;
    show();
  }

  function updateDownloads() {
    const api = form.dataset.api;
    document.getElementById("nw-download-graphml").href = withParams(api, query, { format: "graphml" });
    document.getElementById("nw-download-edges").href = withParams(api, query, { format: "csv" });
    document.getElementById("nw-download-nodes").href = withParams(api, query, { format: "nodes_csv" });
    document.getElementById("nw-download-json").href = withParams(api, query, { format: "json" });
    const events = new URLSearchParams(query);
    events.delete("time_window");
    events.delete("window_size");
    document.getElementById("nw-download-events").href = withParams(api, events, {
      network_type: "eventlist",
      format: "csv",
    });
  }

  function show() {
    const network = series[current];
    const label = document.getElementById("nw-window-label");
    label.textContent = network
      ? interpolate(gettext("window %(number)s of %(count)s: %(start)s – %(stop)s"), { number: current + 1, count: series.length, start: network.start, stop: network.stop }, true)
      : gettext("no window fits between start and stop");
    document.getElementById("nw-summary").textContent = network
      ? interpolate(gettext("%(statements)s statements, %(edges)s edges"), { statements: network.statements, edges: network.edges.length }, true)
      : "";
    render(network);
  }

  // Edge colour: the stances behind a two-mode edge, or the sign of the weight
  // for congruence, conflict and subtract.
  function edgeColour(network, edge) {
    const aggregation = form.elements.qualifier_aggregation.value;
    if (network.network_type === "onemode") {
      if (aggregation === "congruence") return COLOURS.positive;
      if (aggregation === "conflict") return COLOURS.negative;
      if (aggregation === "subtract") return edge.weight >= 0 ? COLOURS.positive : COLOURS.negative;
      return COLOURS.neutral;
    }
    if (edge.support > edge.oppose) return COLOURS.positive;
    if (edge.oppose > edge.support) return COLOURS.negative;
    return COLOURS.neutral;
  }

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (parent) parent.append(node);
    return node;
  }

  function render(network) {
    if (simulation) simulation.stop();
    svg.replaceChildren();
    if (!network) return;
    const width = Number(svg.getAttribute("width"));
    const height = Number(svg.getAttribute("height"));
    const twoMode = network.network_type === "twomode";
    const nodes = network.rows.map((n) => ({ ...n, id: "r:" + n.label, mode: "row" }));
    if (twoMode) {
      for (const n of network.columns) nodes.push({ ...n, id: "c:" + n.label, mode: "column" });
    }
    const links = network.edges.map((e) => ({
      ...e,
      source: "r:" + e.source,
      target: (twoMode ? "c:" : "r:") + e.target,
    }));
    const heaviest = Math.max(1, ...links.map((l) => Math.abs(l.weight)));
    const edgeLayer = element("g", {}, svg);
    const nodeLayer = element("g", {}, svg);
    const lines = links.map((link) => {
      const line = element(
        "line",
        {
          class: "nw-edge",
          stroke: edgeColour(network, link),
          "stroke-width": String(2 + (6 * Math.abs(link.weight)) / heaviest),
          "stroke-opacity": "0.75",
          "data-source": link.source.slice(2),
          "data-target": link.target.slice(2),
        },
        edgeLayer,
      );
      const title = element("title", {}, line);
      title.textContent = link.source.slice(2) + " – " + link.target.slice(2) + ": " + link.weight;
      line.addEventListener("click", () => showEdge(network, link, line));
      return line;
    });
    const groups = nodes.map((node) => {
      const group = element("g", { class: "nw-node", "data-label": node.label }, nodeLayer);
      node.radius = 5 + 3 * Math.sqrt(node.statements);
      element(
        node.mode === "row" ? "circle" : "rect",
        node.mode === "row"
          ? { r: node.radius, fill: "#79aec8", stroke: "#264b5d" }
          : {
              width: 2 * node.radius,
              height: 2 * node.radius,
              x: -node.radius,
              y: -node.radius,
              fill: "#f5dd5d",
              stroke: "#8a7500",
            },
        group,
      );
      const text = element("text", { x: node.radius + 3, y: 4 }, group);
      text.textContent = node.label + " (" + node.statements + ")";
      return group;
    });
    const spread = Math.max(50, Math.min(160, Math.sqrt((width * height) / (nodes.length + 1)) / 1.3));
    simulation = d3
      .forceSimulation(nodes)
      // Spread and repulsion shrink as nodes grow in number, and a gentle pull to the
      // middle keeps a large network off the edges, where labels would overlap.
      .force("link", d3.forceLink(links).id((d) => d.id).distance(spread))
      .force("charge", d3.forceManyBody().strength(-4 * spread))
      .force("x", d3.forceX(width / 2).strength(0.03))
      .force("y", d3.forceY(height / 2).strength(0.05))
      .force("center", d3.forceCenter(width / 2, height / 2))
      .force("collide", d3.forceCollide((d) => d.radius + 14))
      .on("tick", () => {
        for (const node of nodes) {
          node.x = Math.max(20, Math.min(width - 120, node.x));
          node.y = Math.max(20, Math.min(height - 20, node.y));
        }
        links.forEach((link, i) => {
          lines[i].setAttribute("x1", link.source.x);
          lines[i].setAttribute("y1", link.source.y);
          lines[i].setAttribute("x2", link.target.x);
          lines[i].setAttribute("y2", link.target.y);
        });
        nodes.forEach((node, i) => {
          groups[i].setAttribute("transform", "translate(" + node.x + "," + node.y + ")");
        });
      });
  }

  async function showEdge(network, link, line) {
    for (const other of svg.querySelectorAll(".nw-edge.selected")) other.classList.remove("selected");
    line.classList.add("selected");
    const source = link.source.id.slice(2);
    const target = link.target.id.slice(2);
    const extra = { source: source, target: target };
    if (network.start) extra.start = network.start;
    if (network.stop) extra.stop = network.stop;
    const params = new URLSearchParams(query);
    params.delete("time_window");
    params.delete("window_size");
    const response = await fetch(withParams(form.dataset.edgeApi, params, extra), {
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => null);
    claimList.replaceChildren();
    if (!response.ok) {
      edgeTitle.textContent = errorText(body);
      return;
    }
    edgeTitle.textContent = source + " – " + target + ": " + interpolate(ngettext("%s claim", "%s claims", body.count), [body.count]);
    for (const claim of body.claims) {
      const item = document.createElement("li");
      const heading = document.createElement("div");
      heading.textContent =
        (claim.time || gettext("undated")) + " · " + claim.document_title + " · " + claim.speaker +
        " (" + (claim.organization || gettext("no organisation")) + ") · " + claim.topic + " · " + claim.stance;
      const quote = document.createElement("blockquote");
      quote.textContent = claim.text;
      item.append(heading, quote);
      claimList.append(item);
    }
  }

  document.getElementById("nw-prev").addEventListener("click", () => {
    if (current > 0) { current -= 1; show(); }
  });
  document.getElementById("nw-next").addEventListener("click", () => {
    if (current < series.length - 1) { current += 1; show(); }
  });
  form.elements.network_type.addEventListener("change", fitChoices);
  form.addEventListener("submit", draw);
  fitChoices();
  draw();
})();
