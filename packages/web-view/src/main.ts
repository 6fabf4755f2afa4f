/**
 * The page: loads `/api/nodes`, follows `/api/events`, and keeps what the person chose
 * (expansion, sort, filter, selection) across every live update.
 */
import "./style.css";
import { ApiError, type ApiNodes, fetchNodes } from "./api";
import { ChartsPanel } from "./charts";
import { el } from "./dom";
import { type ConnectionState, connectLive } from "./live";
import { TreeTable } from "./table";
import {
  expandablePaths,
  findNode,
  initialExpanded,
  normalizeName,
  type SortKey,
  type SortState,
  visibleRows,
} from "./tree";

const byId = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} is missing from index.html`);
  return e as T;
};

const title = byId<HTMLHeadingElement>("title");
const updated = byId<HTMLParagraphElement>("updated");
const banner = byId<HTMLDivElement>("banner");
const filter = byId<HTMLInputElement>("filter");
const empty = byId<HTMLParagraphElement>("empty");
const chartsHeading = byId<HTMLHeadingElement>("charts-heading");

const state = {
  doc: undefined as ApiNodes | undefined,
  expanded: undefined as Set<string> | undefined,
  sort: { key: "name", descending: false } as SortState,
  filter: "",
  selected: "" as string | undefined,
  connection: "connecting" as ConnectionState,
  brokerConnected: true,
  loadError: undefined as string | undefined,
};

const table = new TreeTable(byId<HTMLTableElement>("tree"), {
  toggle(path) {
    const expanded = state.expanded ?? new Set<string>();
    if (expanded.has(path)) expanded.delete(path);
    else expanded.add(path);
    state.expanded = expanded;
    renderTable();
  },
  select(path) {
    if (state.selected === path) return;
    state.selected = path;
    renderTable();
    renderCharts(true);
  },
  sort(key: SortKey) {
    state.sort =
      state.sort.key === key
        ? { key, descending: !state.sort.descending }
        : { key, descending: key !== "name" };
    renderTable();
  },
});
const charts = new ChartsPanel(byId<HTMLDivElement>("charts"));

function renderTable(): void {
  const root = state.doc?.root ?? null;
  const rows = visibleRows(root, {
    expanded: state.expanded ?? new Set(),
    sort: state.sort,
    filter: state.filter,
  });
  table.render(rows, state.sort, state.selected);
  let message = "";
  if (state.doc === undefined) message = state.loadError ?? "Loading…";
  else if (root === null) message = "No device has reported yet.";
  else if (rows.length === 0) message = `No name matches “${state.filter.trim()}”.`;
  empty.textContent = message;
  empty.hidden = message === "";
}

function renderCharts(newSelection: boolean): void {
  const doc = state.doc;
  if (doc === undefined) return;
  const node = state.selected === undefined ? undefined : findNode(doc.root, state.selected);
  chartsHeading.textContent =
    node === undefined ? "Charts" : `Charts: ${node.path === "" ? node.name : node.path}`;
  const ctx = { timeZone: doc.timeZone, nowMs: doc.tsMs, history: doc.history };
  if (newSelection) charts.select(node, ctx);
  else charts.update(node, ctx);
}

function renderBanner(): void {
  const messages: string[] = [];
  if (state.connection === "reconnecting") {
    messages.push("The connection to the aggregator was lost: reconnecting…");
  }
  if (!state.brokerConnected) {
    messages.push(
      "The aggregator lost its MQTT broker: the numbers stop changing until it is back.",
    );
  }
  if (state.loadError !== undefined && state.doc === undefined) messages.push(state.loadError);
  banner.replaceChildren(...messages.map((m) => el("p", undefined, m)));
  banner.hidden = messages.length === 0;
  banner.dataset.state = state.connection;
  banner.dataset.broker = String(state.brokerConnected);
}

const clock = new Map<string, Intl.DateTimeFormat>();
function renderHeader(doc: ApiNodes): void {
  const name = doc.company || "Energy";
  if (title.textContent !== name) title.textContent = name;
  document.title = `${name}: energy`;
  let f = clock.get(doc.timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(undefined, { timeZone: doc.timeZone, timeStyle: "medium" });
    clock.set(doc.timeZone, f);
  }
  updated.textContent = `Updated ${f.format(new Date(doc.tsMs))} (${doc.timeZone})`;
}

function apply(doc: ApiNodes): void {
  // A late answer to the first fetch must not overwrite a newer event.
  if (state.doc !== undefined && doc.tsMs < state.doc.tsMs) return;
  const first = state.doc === undefined;
  state.doc = doc;
  state.loadError = undefined;
  state.brokerConnected = doc.brokerConnected;
  if (state.expanded === undefined && doc.root !== null) state.expanded = initialExpanded(doc.root);
  renderHeader(doc);
  renderTable();
  renderBanner();
  renderCharts(first);
}

filter.addEventListener("input", () => {
  state.filter = filter.value;
  renderTable();
});
byId<HTMLButtonElement>("expand-all").addEventListener("click", () => {
  state.expanded = new Set(expandablePaths(state.doc?.root ?? null));
  renderTable();
});
byId<HTMLButtonElement>("collapse-all").addEventListener("click", () => {
  const root = state.doc?.root;
  state.expanded = new Set(root ? [root.path] : []);
  renderTable();
});
// Escape clears the filter (the search input does so natively in most browsers; not all).
filter.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && normalizeName(filter.value) !== "") {
    filter.value = "";
    state.filter = "";
    renderTable();
  }
});

renderTable();
fetchNodes()
  .then(apply)
  .catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 401) return; // redirected to the login
    state.loadError = `The aggregator did not answer: ${error instanceof Error ? error.message : String(error)}`;
    renderTable();
    renderBanner();
  });
connectLive({
  nodes: apply,
  status(s) {
    state.brokerConnected = s.brokerConnected;
    renderBanner();
  },
  connection(c) {
    state.connection = c;
    renderBanner();
  },
});
