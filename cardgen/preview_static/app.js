// cardgen preview: draws the grid from the server's state and keeps it current through
// server-sent events (/events): "state" (everything), "cards" (changed cards), "status".
"use strict";

const cards = new Map(); // card id -> the card's latest data from the server
const figures = new Map(); // card id -> its <figure>
let formats = [];
let zoomed = null; // id of the card shown large

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function errorBox(card) {
  const heading = card.expect_error ? "Fails, as expected:" : "Cannot draw this card:";
  return el("div", { class: "error", role: "alert" },
    el("strong", {}, heading),
    el("ul", {}, ...card.problems.map((p) => el("li", {}, p))));
}

// --- the grid ---

function renderState(state) {
  formats = state.formats;
  cards.clear();
  figures.clear();
  for (const card of state.cards) cards.set(card.id, card);
  for (const group of ["card", "stress"]) {
    const grid = document.querySelector(`#${group === "card" ? "cards" : "stress"} .grid`);
    grid.style.setProperty("--formats", String(Math.max(formats.length, 1)));
    grid.replaceChildren(el("div", { class: "head" }, group === "card" ? "card" : "stress case"),
      ...formats.map((f) => el("div", { class: "head" }, `${f.name} · ${f.width}×${f.height}`)));
    const rows = new Map(); // slug -> {format: card}, in the server's order
    for (const card of state.cards) {
      if (card.group !== group) continue;
      if (!rows.has(card.slug)) rows.set(card.slug, {});
      rows.get(card.slug)[card.format] = card;
    }
    for (const [slug, byFormat] of rows) {
      const first = Object.values(byFormat)[0];
      grid.append(rowHead(slug, first));
      for (const f of formats) {
        const card = byFormat[f.name];
        grid.append(card ? figure(card, f) : el("div"));
      }
    }
  }
  document.getElementById("watching").textContent = `watching ${state.watching.join(", ")}`;
  renderProblems(state.problems);
  renderStatus(state.status);
  if (zoomed && cards.has(zoomed)) showZoom(cards.get(zoomed));
}

function rowHead(slug, card) {
  if (card.group === "stress") {
    return el("div", { class: "row-head" }, el("span", { class: "day" }, card.title),
      el("span", { class: "title" }, slug));
  }
  const day = card.day !== null ? `day ${card.day}` : card.kind === "case" ? "unscheduled" : card.kind;
  return el("div", { class: "row-head" }, el("span", { class: "day" }, day),
    slug === day ? null : slug, el("span", { class: "title" }, card.title));
}

function figure(card, format) {
  const frame = el("button", { type: "button", class: "frame", title: "Show large",
    onclick: () => showZoom(cards.get(card.id)) });
  frame.style.aspectRatio = `${format.width} / ${format.height}`;
  const fig = el("figure", { class: "card", "data-id": card.id }, frame,
    el("figcaption", {}, card.caption));
  figures.set(card.id, fig);
  fill(fig, card);
  return fig;
}

function fill(fig, card) {
  fig.dataset.status = card.status;
  fig.dataset.expectError = String(card.expect_error);
  fig.querySelector("figcaption").textContent = card.caption;
  const frame = fig.querySelector(".frame");
  if (card.status === "failed") {
    frame.replaceChildren(errorBox(card));
    return;
  }
  if (!card.src) {
    frame.replaceChildren();
    return;
  }
  let img = frame.querySelector("img");
  if (!img) {
    img = el("img", { alt: card.caption });
    frame.replaceChildren(img);
  }
  if (img.getAttribute("src") !== card.src) img.src = card.src; // swaps once loaded
}

function updateCard(card) {
  cards.set(card.id, card);
  const fig = figures.get(card.id);
  if (fig) fill(fig, card);
  if (zoomed === card.id) showZoom(card);
}

// --- status and problems ---

function renderProblems(problems) {
  const box = document.getElementById("problems");
  box.hidden = problems.length === 0;
  box.querySelector("ul").replaceChildren(...problems.map((p) => el("li", {}, p)));
}

function renderStatus(status) {
  const line = document.getElementById("status");
  const all = [...cards.values()];
  const failed = all.filter((c) => c.status === "failed" && !c.expect_error).length;
  line.dataset.state = status.state;
  line.dataset.problems = String(failed > 0 || (status.problems || []).length > 0);
  line.dataset.cycle = String(status.cycle);
  if (status.state === "starting") {
    line.textContent = "starting…";
    return;
  }
  const changed = (status.changed || []).join(", ");
  const what = changed ? `${changed} changed: ` : "";
  const drawn = `${status.rendered} card${status.rendered === 1 ? "" : "s"}`;
  line.textContent = status.state === "rendering"
    ? `${what}drawing ${drawn}…`
    : `${all.length} cards, ${failed} with problems · ${what}${drawn} drawn in ${status.seconds} s`;
}

// --- the large view ---

function showZoom(card) {
  zoomed = card.id;
  const dialog = document.getElementById("zoom");
  const debug = document.getElementById("debug");
  document.getElementById("zoom-caption").textContent = card.caption;
  const open = document.getElementById("zoom-open");
  const body = document.getElementById("zoom-body");
  debug.disabled = card.status === "failed";
  if (card.status === "failed" || !card.src) {
    open.hidden = true;
    body.replaceChildren(card.status === "failed" ? errorBox(card) : el("p", {}, "rendering…"));
  } else {
    const src = debug.checked ? `/${card.id}.png?debug=1&v=${card.version}` : card.src;
    open.hidden = false;
    open.href = src;
    const img = body.querySelector("img") || el("img", { alt: card.caption });
    if (img.getAttribute("src") !== src) img.src = src;
    body.replaceChildren(img);
  }
  if (!dialog.open) dialog.showModal();
}

const size = document.getElementById("size");
function resize() {
  document.documentElement.style.setProperty("--thumb", `${size.value}px`);
  localStorage.setItem("cardgen-preview-size", size.value);
}
size.value = localStorage.getItem("cardgen-preview-size") || size.value;
size.addEventListener("input", resize);
resize();

document.getElementById("debug").addEventListener("change", () => {
  if (zoomed && cards.has(zoomed)) showZoom(cards.get(zoomed));
});
document.getElementById("zoom").addEventListener("close", () => { zoomed = null; });

// --- live updates ---

const events = new EventSource("/events");
events.addEventListener("state", (e) => renderState(JSON.parse(e.data)));
events.addEventListener("cards", (e) => {
  for (const card of JSON.parse(e.data).cards) updateCard(card);
});
events.addEventListener("status", (e) => {
  const status = JSON.parse(e.data);
  renderProblems(status.problems || []);
  renderStatus(status);
});
events.addEventListener("error", () => {
  const line = document.getElementById("status");
  line.dataset.state = "offline";
  line.textContent = "disconnected from cardgen preview, retrying…";
});
