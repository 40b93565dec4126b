// Lamina console: fills the page shell from /api/v1 and polls for updates.
// Plain DOM, no framework; every value is inserted as text (never as HTML).
"use strict";

const body = document.body;
const PAGE = body.dataset.page;
const REFRESH_MS = Number(body.dataset.refreshMs) || 2000;
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  const json = await response.json();
  if (!response.ok) {
    const message = json && json.error ? json.error.code + ": " + json.error.message : response.statusText;
    throw new Error(message);
  }
  return json;
}

function short(hex) { return hex && hex.length > 18 ? hex.slice(0, 10) + "…" + hex.slice(-6) : hex; }
function bytes(n) {
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + " MiB";
  if (n >= 1024) return (n / 1024).toFixed(1) + " KiB";
  return n + " B";
}
function time(ms) { return ms ? new Date(ms).toISOString().replace("T", " ").replace("Z", "") : "—"; }
function span(from, to) { return from && to ? (to - from) + " ms" : "—"; }
function pct(rate) { return (100 * rate).toFixed(1) + "%"; }
function statusTag(s) { return el("span", { class: "status " + s, "data-status": s }, s); }
function blobLink(key) { return el("a", { href: "/blobs/" + key, class: "mono" }, short(key)); }
function setMain(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
}
function table(headers, rows, attrs) {
  return el("table", attrs || {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

// --- charts (SVG by hand) ---
function lineChart(title, series, unit) {
  const w = 420, h = 160, pad = 32;
  const svg = svgEl("svg", { width: w, height: h, role: "img", "aria-label": title });
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.appendChild(svgEl("text", { x: pad, y: h / 2, fill: "#6b7682" }, "no data yet"));
    return el("div", { class: "chart" }, el("h3", {}, title), svg);
  }
  const xs = all.map((p) => p.x), ys = all.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y1 = Math.max(...ys, 1);
  const X = (x) => pad + ((x - x0) / (x1 - x0)) * (w - 2 * pad);
  const Y = (y) => h - pad + 8 - (y / y1) * (h - 2 * pad);
  svg.appendChild(svgEl("line", { x1: pad, y1: h - pad + 8, x2: w - pad, y2: h - pad + 8, stroke: "#aab" }));
  svg.appendChild(svgEl("text", { x: 2, y: 14, "font-size": 10, fill: "#6b7682" }, y1.toFixed(0) + " " + unit));
  svg.appendChild(svgEl("text", { x: 2, y: h - pad + 8, "font-size": 10, fill: "#6b7682" }, "0"));
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => (j ? "L" : "M") + X(p.x).toFixed(1) + "," + Y(p.y).toFixed(1)).join(" ");
    svg.appendChild(svgEl("path", { d, fill: "none", stroke: s.color, "stroke-width": 2 }));
    // Dots too: a series of one point draws no line.
    for (const p of s.points) {
      svg.appendChild(svgEl("circle", { cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: 3, fill: s.color }));
    }
    svg.appendChild(svgEl("text", { x: pad + 90 * i, y: h - 4, "font-size": 10, fill: s.color }, s.name));
  });
  return el("div", { class: "chart" }, el("h3", {}, title), svg);
}

function barChart(title, bars, max, unit) {
  const w = 420, rowH = 18, h = Math.max(40, bars.length * rowH + 10), left = 110;
  const svg = svgEl("svg", { width: w, height: h, role: "img", "aria-label": title });
  bars.forEach((b, i) => {
    const y = 5 + i * rowH;
    const len = max > 0 ? (b.value / max) * (w - left - 60) : 0;
    svg.appendChild(svgEl("text", { x: 2, y: y + 12, "font-size": 10 }, b.label));
    svg.appendChild(svgEl("rect", { x: left, y, width: Math.max(0, len), height: rowH - 5, fill: b.color || "#3a7bd5" }));
    svg.appendChild(svgEl("text", { x: left + len + 4, y: y + 12, "font-size": 10 }, b.text || b.value + unit));
  });
  return el("div", { class: "chart" }, el("h3", {}, title), svg);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// --- pages ---
const params = new URLSearchParams(location.search);

async function blobsPage() {
  const account = params.get("account");
  const before = params.get("before");
  let path = "/api/v1/blobs?limit=100";
  if (account) path += "&account=" + account;
  if (before) path += "&before=" + before;
  const page = await api(path);
  const rows = page.items.map((b) => el("tr", { "data-blob-key": b.blob_key },
    el("td", {}, blobLink(b.blob_key)),
    el("td", {}, statusTag(b.status), b.reason ? el("div", { class: "muted" }, b.reason) : null),
    el("td", {}, bytes(b.size_bytes)),
    el("td", {}, b.quorums.join(",")),
    el("td", {}, el("a", { href: "/?account=" + b.account, class: "mono" }, short(b.account))),
    el("td", {}, time(b.stages.queued_ms)),
    el("td", {}, span(b.stages.queued_ms, b.stages.encoded_ms)),
    el("td", {}, span(b.stages.encoded_ms, b.stages.dispatched_ms)),
    el("td", {}, span(b.stages.dispatched_ms, b.stages.finished_ms)),
    el("td", {}, span(b.stages.queued_ms, b.stages.finished_ms)),
    el("td", {}, b.batch_id === null ? "—" : el("a", { href: "/batches/" + b.batch_id }, "#" + b.batch_id))));
  // Throughput: blobs and bytes accepted per 10 s bucket; latency percentiles per bucket.
  const buckets = new Map();
  for (const b of page.items) {
    const k = Math.floor(b.stages.queued_ms / 10000) * 10000;
    const e = buckets.get(k) || { blobs: 0, bytes: 0, lat: [] };
    e.blobs += 1; e.bytes += b.size_bytes;
    if (b.stages.finished_ms) e.lat.push(b.stages.finished_ms - b.stages.queued_ms);
    buckets.set(k, e);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const pts = (f) => keys.map((k) => ({ x: k, y: f(buckets.get(k)) }));
  const lat = (p) => (e) => percentile(e.lat.slice().sort((a, b) => a - b), p);
  const title = account ? "Blobs of account " + account : "Recent blobs";
  const more = page.next
    ? el("a", { href: "/?" + (account ? "account=" + account + "&" : "") + "before=" + page.next }, "older →")
    : null;
  setMain(
    el("h1", {}, title),
    el("div", { class: "charts" },
      lineChart("Throughput (per 10 s)", [
        { name: "blobs", color: "#3a7bd5", points: pts((e) => e.blobs) },
        { name: "KiB", color: "#d58a3a", points: pts((e) => e.bytes / 1024) }], ""),
      lineChart("Dispersal latency (ms)", [
        { name: "p50", color: "#2c9c4a", points: pts(lat(50)) },
        { name: "p90", color: "#d58a3a", points: pts(lat(90)) },
        { name: "p99", color: "#b3261e", points: pts(lat(99)) }], "ms")),
    table(["blob key", "status", "size", "quorums", "account", "accepted (UTC)", "encode", "batch wait", "signing", "total", "batch"],
      rows, { id: "blobs" }),
    more);
}

function quorumTable(quorums) {
  return table(["quorum", "signed", "signed stake / total", "signers", "non-signers"],
    quorums.map((q) => el("tr", { "data-quorum": q.quorum },
      el("td", {}, q.quorum),
      el("td", { "data-signed-percentage": q.signed_percentage }, q.signed_percentage + "%"),
      el("td", {}, q.signed_stake + " / " + q.total_stake),
      el("td", { class: "mono" }, q.signers.map(short).join(" ")),
      el("td", { class: "mono" }, q.non_signers.map(short).join(" ") || "none"))),
    { id: "quorums" });
}

function anchorText(a) {
  if (!a) return "—";
  if (a.tx_hash) return a.state + " in block " + a.block_number + ", tx " + a.tx_hash;
  return a.state + (a.reason ? ": " + a.reason : "");
}

// The blob page's live retrievability check (a real rebuild from the operators): asked
// once per page load for a COMPLETE blob, and again on "check again"; the disperser
// bounds the checks (a timeout, a few at once, one per blob, results reused briefly).
let retrievability = null;

function checkRetrievability(key) {
  retrievability = { state: "running" };
  api("/api/v1/blobs/" + key + "/retrievability")
    .then((r) => { retrievability = { state: "done", result: r }; })
    .catch((e) => { retrievability = { state: "error", message: e.message }; })
    .finally(() => refresh());
}

function retrievabilitySection(s) {
  const heading = el("h2", {}, "Retrievable now?");
  if (s.status !== "COMPLETE") {
    return [heading, el("p", { id: "retrievability", class: "muted", "data-retrievable": "unknown" },
      "Checked once the blob is COMPLETE.")];
  }
  if (retrievability === null) checkRetrievability(s.blob_key);
  const again = el("button", { id: "check-again", type: "button" }, "check again");
  again.addEventListener("click", () => checkRetrievability(s.blob_key));
  if (retrievability.state === "running") {
    return [heading, el("p", { id: "retrievability", "data-retrievable": "checking" }, "checking with the operators…")];
  }
  if (retrievability.state === "error") {
    return [heading, el("p", { id: "retrievability", "data-retrievable": "error" }, retrievability.message, " ", again)];
  }
  const r = retrievability.result;
  return [heading,
    el("dl", { id: "retrievability", "data-retrievable": String(r.retrievable) },
      el("dt", {}, "retrievable"), el("dd", { id: "retrievable" }, r.retrievable ? "yes" : "no" + (r.reason ? ": " + r.reason : "")),
      el("dt", {}, "quorum"), el("dd", {}, r.quorum ?? "—"),
      el("dt", {}, "chunks"), el("dd", {}, r.chunks_got + " verified of " + r.chunks_needed + " needed"),
      el("dt", {}, "operators"), el("dd", {}, r.operators_answered + " answered, " + r.operators_asked + " asked, of " + r.operators),
      el("dt", {}, "payload keccak256"), el("dd", { id: "payload-keccak", class: "mono" }, r.payload_keccak256 ?? "—"),
      el("dt", {}, "same as dispersed"), el("dd", { id: "matches-dispersed" }, r.matches_dispersed === null ? "blob no longer kept by the disperser" : (r.matches_dispersed ? "yes" : "NO")),
      el("dt", {}, "took"), el("dd", {}, r.elapsed_ms + " ms, at " + time(r.checked_ms))),
    again];
}

async function blobPage() {
  const key = location.pathname.split("/").pop();
  const d = await api("/api/v1/blobs/" + key);
  const s = d.summary, h = d.header;
  const cert = d.certificate
    ? [el("h2", {}, "Certificate"),
       el("p", {}, el("a", { id: "cert-download", href: "/api/v1/blobs/" + s.blob_key + "/certificate.json", download: "cert-" + s.blob_key + ".json" }, "download JSON")),
       el("h3", {}, "ABI (checkDACert input)"),
       el("textarea", { id: "cert-abi", readonly: "" }, d.certificate.cert_abi),
       el("h3", {}, "JSON"),
       el("pre", { id: "cert-json", class: "mono" }, JSON.stringify(d.certificate.json, null, 2))]
    : [el("p", { id: "no-cert", class: "muted" }, "No certificate (yet).")];
  setMain(
    el("h1", {}, "Blob ", el("span", { class: "mono", id: "blob-key" }, s.blob_key)),
    el("dl", {},
      el("dt", {}, "status"), el("dd", { id: "status" }, statusTag(s.status), s.reason ? el("span", { id: "status-reason" }, " " + s.reason) : null),
      el("dt", {}, "size"), el("dd", {}, bytes(s.size_bytes)),
      el("dt", {}, "account"), el("dd", { class: "mono" }, el("a", { href: "/?account=" + s.account }, s.account)),
      el("dt", {}, "version / quorums"), el("dd", {}, h.version + " / " + h.quorums.join(",")),
      el("dt", {}, "commitment"), el("dd", { class: "mono" }, h.commitment.commitment),
      el("dt", {}, "length commitment"), el("dd", { class: "mono" }, h.commitment.length_commitment),
      el("dt", {}, "length proof"), el("dd", { class: "mono" }, h.commitment.length_proof),
      el("dt", {}, "length (symbols)"), el("dd", {}, h.commitment.length),
      el("dt", {}, "payment"), el("dd", {}, "timestamp " + h.payment_timestamp_ns + " ns, cumulative " + h.cumulative_payment + " wei"),
      el("dt", {}, "accepted"), el("dd", {}, time(s.stages.queued_ms)),
      el("dt", {}, "encoded"), el("dd", {}, time(s.stages.encoded_ms)),
      el("dt", {}, "dispatched"), el("dd", {}, time(s.stages.dispatched_ms)),
      el("dt", {}, "finished"), el("dd", {}, time(s.stages.finished_ms) + " (" + span(s.stages.queued_ms, s.stages.finished_ms) + ")"),
      el("dt", {}, "batch"), el("dd", {}, s.batch_id === null ? "—" : el("a", { href: "/batches/" + s.batch_id }, "#" + s.batch_id)),
      el("dt", {}, "reference block"), el("dd", {}, d.reference_block_number ?? "—"),
      el("dt", {}, "anchoring"), el("dd", { id: "anchor", class: "mono" }, anchorText(d.anchor)),
      el("dt", {}, "non-signers"), el("dd", { id: "non-signers", class: "mono" }, d.non_signers.join(" ") || "none")),
    el("h2", {}, "Signed stake per quorum"),
    quorumTable(d.quorums),
    ...retrievabilitySection(s),
    ...cert);
}

function batchRow(b) {
  return el("tr", { "data-batch-id": b.batch_id },
    el("td", {}, el("a", { href: "/batches/" + b.batch_id }, "#" + b.batch_id)),
    el("td", {}, b.blob_keys.length),
    el("td", {}, bytes(b.size_bytes)),
    el("td", {}, b.reference_block_number),
    el("td", {}, b.quorums.map((q) => "q" + q.quorum + " " + q.signed_percentage + "%").join(", ")),
    el("td", {}, b.quorums.reduce((n, q) => n + q.non_signers.length, 0)),
    el("td", {}, b.latency_ms + " ms"),
    el("td", {}, time(b.finished_ms)),
    el("td", { class: "mono" }, anchorText(b.anchor)));
}

async function batchesPage() {
  const before = params.get("before");
  const page = await api("/api/v1/batches?limit=100" + (before ? "&before=" + before : ""));
  const sorted = page.items.slice().reverse();
  setMain(
    el("h1", {}, "Batches"),
    el("div", { class: "charts" },
      lineChart("Batch latency (ms)", [{ name: "latency", color: "#3a7bd5", points: sorted.map((b) => ({ x: b.finished_ms, y: b.latency_ms })) }], "ms"),
      lineChart("Blobs per batch", [{ name: "blobs", color: "#2c9c4a", points: sorted.map((b) => ({ x: b.finished_ms, y: b.blob_keys.length })) }], "")),
    table(["batch", "blobs", "size", "reference block", "signed", "non-signers", "latency", "finished (UTC)", "anchoring"],
      page.items.map(batchRow), { id: "batches" }),
    page.next ? el("a", { href: "/batches?before=" + page.next }, "older →") : null);
}

async function batchPage() {
  const id = location.pathname.split("/").pop();
  const b = await api("/api/v1/batches/" + id);
  setMain(
    el("h1", {}, "Batch #" + b.batch_id),
    table(["batch", "blobs", "size", "reference block", "signed", "non-signers", "latency", "finished (UTC)", "anchoring"], [batchRow(b)]),
    el("h2", {}, "Signed stake per quorum"), quorumTable(b.quorums),
    el("h2", {}, "Operators"),
    table(["operator", "outcome", "answer time", "reason"], b.operators.map((o) => el("tr", {},
      el("td", { class: "mono" }, o.operator_id), el("td", {}, o.outcome), el("td", {}, o.latency_ms + " ms"), el("td", {}, o.reason)))),
    el("h2", {}, "Blobs"),
    el("ol", { start: 0 }, b.blob_keys.map((k) => el("li", {}, blobLink(k)))));
}

// Amounts are base units (wei of the token), as the RewardsCoordinator counts them.
function rewardsCell(r) {
  if (!r) return el("span", { class: "muted" }, "not configured");
  const root = r.distribution_root === null ? "claims only (no distribution file)"
    : "root " + short(r.distribution_root) + (r.root_active ? " (active)" : r.root_posted ? " (posted, not active yet)" : " (not posted)");
  return [el("div", { class: "muted" }, root),
    r.tokens.length === 0 ? el("div", { class: "muted" }, "no tokens")
      : r.tokens.map((t) => el("div", { class: "mono", "data-token": t.token, "data-earned": t.earned ?? "", "data-claimable": t.claimable ?? "", "data-claimed": t.claimed },
        short(t.token) + ": " + (t.earned === null ? "" : "earned " + t.earned + ", claimable " + t.claimable + ", ") + "claimed " + t.claimed))];
}

async function operatorsPage() {
  const ops = await api("/api/v1/operators");
  const rows = ops.map((o) => el("tr", { id: "op-" + o.operator_id, "data-operator-id": o.operator_id,
      "data-signing-rate-hour": o.last_hour.signing_rate, "data-signed-hour": o.last_hour.signed_batches,
      "data-unsigned-hour": o.last_hour.unsigned_batches },
    el("td", { class: "mono" }, o.operator_id),
    el("td", { class: "mono" }, o.socket || "—"),
    el("td", {}, Object.entries(o.stakes).map(([q, s]) => "q" + q + ": " + s + " (" + o.stake_shares[q].toFixed(1) + "%)").join(", ")),
    el("td", { class: "rate-hour" }, pct(o.last_hour.signing_rate) + " (" + o.last_hour.signed_batches + "/" + (o.last_hour.signed_batches + o.last_hour.unsigned_batches) + ")"),
    el("td", { class: "rate-day" }, pct(o.last_day.signing_rate) + " (" + o.last_day.signed_batches + "/" + (o.last_day.signed_batches + o.last_day.unsigned_batches) + ")"),
    el("td", {}, o.last_hour.mean_latency_ms.toFixed(0) + " ms"),
    el("td", {}, o.recent_rejections.slice(0, 3).map((r) => el("div", {}, "#" + r.batch_id + " " + r.outcome + ": " + r.reason))),
    el("td", { class: "rewards" }, rewardsCell(o.rewards))));
  setMain(
    el("h1", {}, "Operators"),
    el("div", { class: "charts" },
      barChart("Signing rate, last hour", ops.map((o) => ({ label: short(o.operator_id), value: 100 * o.last_hour.signing_rate, text: pct(o.last_hour.signing_rate),
        color: o.last_hour.signing_rate < 0.9 ? "#b3261e" : "#2c9c4a" })), 100, "%"),
      barChart("Mean StoreChunks answer time, last hour", ops.map((o) => ({ label: short(o.operator_id), value: o.last_hour.mean_latency_ms,
        text: o.last_hour.mean_latency_ms.toFixed(0) + " ms" })), Math.max(1, ...ops.map((o) => o.last_hour.mean_latency_ms)), " ms")),
    table(["operator", "socket", "stake", "signing (1 h)", "signing (24 h)", "answer time (1 h)", "recent rejections", "rewards"], rows, { id: "operators" }));
}

async function nodePage() {
  const n = await api("/api/v1/node");
  const refused = Object.entries(n.batches_refused);
  setMain(
    el("h1", {}, "Node ", el("span", { class: "mono", id: "operator-id" }, n.operator_id)),
    el("dl", { id: "node" },
      el("dt", {}, "stored blobs"), el("dd", { id: "stored-blobs" }, n.stored_blobs),
      el("dt", {}, "stored batches"), el("dd", { id: "stored-batches" }, n.stored_batches),
      el("dt", {}, "bytes stored since start"), el("dd", { id: "stored-bytes" }, bytes(n.stored_bytes)),
      el("dt", {}, "batches received"), el("dd", {}, n.batches_received),
      el("dt", {}, "batches signed"), el("dd", { id: "batches-signed" }, n.batches_signed),
      el("dt", {}, "batches expired"), el("dd", {}, n.batches_expired),
      el("dt", {}, "expiry horizon"), el("dd", {}, (n.expiry_secs / 86400).toFixed(1) + " days"),
      el("dt", {}, "signing rate"), el("dd", {}, n.disperser_console
        ? el("a", { href: n.disperser_console }, "as the disperser reports it") : "no disperser console configured")),
    el("h2", {}, "Batches refused, by reason"),
    refused.length
      ? table(["reason", "batches"], refused.map(([r, c]) => el("tr", {}, el("td", {}, r), el("td", {}, c))), { id: "refused" })
      : el("p", { class: "muted", id: "refused" }, "none"));
}

const PAGES = { blobs: blobsPage, blob: blobPage, batches: batchesPage, batch: batchPage, operators: operatorsPage, node: nodePage };

function nav() {
  const links = PAGE === "node"
    ? [["/", "Node"]]
    : [["/", "Blobs"], ["/batches", "Batches"], ["/operators", "Operators"]];
  document.getElementById("nav").replaceChildren(...links.map(([href, text]) => el("a", { href }, text)));
  const form = document.getElementById("search");
  if (PAGE === "node") { form.remove(); return; }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const found = await api("/api/v1/search?q=" + encodeURIComponent(document.getElementById("q").value.trim()));
      location.href = found.page;
    } catch (e) {
      document.getElementById("error").textContent = e.message;
    }
  });
}

async function refresh() {
  try {
    await PAGES[PAGE]();
    document.getElementById("updated").textContent = "updated " + new Date().toISOString();
    document.getElementById("error").textContent = "";
    body.dataset.loaded = "true";
  } catch (e) {
    document.getElementById("error").textContent = e.message;
  }
}

nav();
refresh();
// Live updates: poll (the blob page stops once the blob is terminal).
const timer = setInterval(async () => {
  await refresh();
  const status = document.querySelector("#status [data-status]");
  if (PAGE === "blob" && status && ["COMPLETE", "FAILED", "INSUFFICIENT_SIGNATURES"].includes(status.dataset.status)
      && !document.querySelector("#anchor")?.textContent.startsWith("PENDING")) {
    clearInterval(timer);
  }
}, REFRESH_MS);
