/**
 * The tree as an HTML table: a header row of sort buttons, and one row per visible node or
 * channel with an expand/collapse button and a name button that selects the node. Rows are kept by
 * key and updated in place, so a live update keeps focus, expansion, sort, filter and selection.
 */
import type { ApiNode } from "./api";
import { el, setText, syncChildren } from "./dom";
import {
  describeStates,
  exactValue,
  formatEnergy,
  formatPower,
  formatStates,
  MISSING,
} from "./format";
import type { ChannelRow, NodeRow, SortKey, SortState, TreeRow } from "./tree";

/** What the table asks the page to do. */
export interface TableActions {
  toggle(path: string): void;
  select(path: string): void;
  sort(key: SortKey): void;
}

interface Column {
  key: SortKey;
  label: string;
  /** The field shown; `undefined` for the name and state columns. */
  field?: "powerW" | "energyThisHourWh" | "energyTodayWh" | "energyThisMonthWh" | "energyWh";
  testId?: string;
}

/** The columns, in order. */
export const COLUMNS: readonly Column[] = [
  { key: "name", label: "Name" },
  { key: "powerW", label: "Power now", field: "powerW", testId: "power" },
  { key: "energyThisHourWh", label: "This hour", field: "energyThisHourWh" },
  { key: "energyTodayWh", label: "Today", field: "energyTodayWh", testId: "today" },
  { key: "energyThisMonthWh", label: "This month", field: "energyThisMonthWh" },
  { key: "energyWh", label: "Total", field: "energyWh" },
  { key: "state", label: "Online / stale / offline" },
];

interface RowEls {
  tr: HTMLTableRowElement;
  toggle: HTMLButtonElement | undefined;
  spacer: HTMLSpanElement | undefined;
  name: HTMLElement;
  cells: HTMLTableCellElement[];
}

/** The display name of a node (the company's path is "" but it has a name). */
const displayName = (n: ApiNode): string => n.name || n.path || "Company";

/** The tree table inside a `<table>` element. */
export class TreeTable {
  readonly #table: HTMLTableElement;
  readonly #body: HTMLTableSectionElement;
  readonly #headers = new Map<SortKey, HTMLTableCellElement>();
  readonly #rows = new Map<string, RowEls>();
  readonly #actions: TableActions;

  constructor(table: HTMLTableElement, actions: TableActions) {
    this.#table = table;
    this.#actions = actions;
    const head = el("thead");
    const tr = el("tr");
    for (const col of COLUMNS) {
      const th = el("th");
      th.scope = "col";
      th.className = col.field !== undefined || col.key === "state" ? "num" : "";
      const button = el("button", "sort");
      button.type = "button";
      button.dataset.sort = col.key;
      button.append(el("span", undefined, col.label), el("span", "sort-mark"));
      button.querySelector(".sort-mark")?.setAttribute("aria-hidden", "true");
      th.append(button);
      tr.append(th);
      this.#headers.set(col.key, th);
    }
    head.append(tr);
    this.#body = el("tbody");
    this.#table.append(head, this.#body);
    head.addEventListener("click", (e) => {
      const b = (e.target as Element).closest<HTMLButtonElement>("button[data-sort]");
      if (b !== null) this.#actions.sort(b.dataset.sort as SortKey);
    });
    this.#body.addEventListener("click", (e) => this.#onClick(e));
  }

  #onClick(e: MouseEvent): void {
    const target = e.target as Element;
    const button = target.closest<HTMLButtonElement>("button[data-action]");
    const tr = target.closest<HTMLTableRowElement>("tr[data-path]");
    if (tr === null) return;
    const path = tr.dataset.path!;
    if (button?.dataset.action === "toggle") {
      if (!button.disabled) this.#actions.toggle(path);
      return;
    }
    // The name button, or anywhere else on the row (a convenience for the mouse).
    this.#actions.select(path);
  }

  /** Shows `rows` with `sort` in the headers and `selected` marked. */
  render(rows: readonly TreeRow[], sort: SortState, selected: string | undefined): void {
    for (const [key, th] of this.#headers) {
      const active = key === sort.key;
      th.setAttribute(
        "aria-sort",
        active ? (sort.descending ? "descending" : "ascending") : "none",
      );
      const mark = th.querySelector(".sort-mark");
      if (mark !== null) setText(mark as HTMLElement, active ? (sort.descending ? "▼" : "▲") : "");
    }
    const seen = new Set<string>();
    const trs: HTMLTableRowElement[] = [];
    for (const row of rows) {
      seen.add(row.key);
      const els =
        row.kind === "node" ? this.#nodeRow(row, selected) : this.#channelRow(row as ChannelRow);
      trs.push(els.tr);
    }
    for (const key of [...this.#rows.keys()]) if (!seen.has(key)) this.#rows.delete(key);
    syncChildren(this.#body, trs);
  }

  #cells(tr: HTMLTableRowElement, path: string | undefined): HTMLTableCellElement[] {
    const cells: HTMLTableCellElement[] = [];
    for (const col of COLUMNS.slice(1)) {
      const td = el("td", "num");
      if (col.testId !== undefined && path !== undefined)
        td.dataset.testid = `${col.testId}-${path}`;
      cells.push(td);
      tr.append(td);
    }
    return cells;
  }

  #nodeRow(row: NodeRow, selected: string | undefined): RowEls {
    const n = row.node;
    let els = this.#rows.get(row.key);
    if (els === undefined) {
      const tr = el("tr", "node");
      tr.dataset.path = n.path;
      tr.dataset.testid = `row-${n.path}`;
      const th = el("th", "name-cell");
      th.scope = "row";
      const name = el("button", "name");
      name.type = "button";
      name.dataset.action = "select";
      th.append(name);
      tr.append(th);
      els = { tr, toggle: undefined, spacer: undefined, name, cells: this.#cells(tr, n.path) };
      this.#rows.set(row.key, els);
    }
    const { tr, name } = els;
    tr.className = `node depth-${Math.min(row.depth, 4)} level-${n.level}`;
    tr.classList.toggle("selected", selected === n.path);
    tr.dataset.level = n.level;
    if (selected === n.path) name.setAttribute("aria-current", "true");
    else name.removeAttribute("aria-current");
    const label = displayName(n);
    setText(name, label, `Show the charts of ${label}`);

    // The toggle (or a spacer of the same width for a node without children or channels).
    const th = name.parentElement!;
    if (row.expandable) {
      els.spacer?.remove();
      els.spacer = undefined;
      if (els.toggle === undefined) {
        const t = el("button", "toggle");
        t.type = "button";
        t.dataset.action = "toggle";
        const icon = el("span", "toggle-icon");
        icon.setAttribute("aria-hidden", "true");
        t.append(icon);
        th.insertBefore(t, name);
        els.toggle = t;
      }
      const t = els.toggle;
      const verb = row.expanded ? "Collapse" : "Expand";
      const what = n.level === "device" ? `the channels of ${label}` : label;
      t.setAttribute("aria-expanded", String(row.expanded));
      t.setAttribute(
        "aria-label",
        row.forced ? `${label}: opened by the filter` : `${verb} ${what}`,
      );
      t.disabled = row.forced;
      t.title = row.forced ? "Opened by the filter" : `${verb} ${what}`;
      setText(t.firstElementChild as HTMLElement, row.expanded ? "▾" : "▸");
    } else {
      els.toggle?.remove();
      els.toggle = undefined;
      if (els.spacer === undefined) {
        els.spacer = el("span", "toggle-spacer");
        th.insertBefore(els.spacer, name);
      }
    }

    COLUMNS.slice(1).forEach((col, i) => {
      const td = els.cells[i]!;
      if (col.field === "powerW") setText(td, formatPower(n.powerW), exactValue(n.powerW, "W"));
      else if (col.field !== undefined) {
        setText(td, formatEnergy(n[col.field]), exactValue(n[col.field], "Wh"));
      } else setText(td, formatStates(n.state), describeStates(n.state));
    });
    markStates(els.cells[COLUMNS.length - 2]!, n.state);
    return els;
  }

  #channelRow(row: ChannelRow): RowEls {
    const c = row.channel;
    let els = this.#rows.get(row.key);
    if (els === undefined) {
      const tr = el("tr", "channel");
      tr.dataset.testid = `row-${row.key}`;
      tr.dataset.channel = row.key;
      const th = el("th", "name-cell");
      th.scope = "row";
      const spacer = el("span", "toggle-spacer");
      const name = el("span", "channel-name");
      th.append(spacer, name);
      tr.append(th);
      els = { tr, toggle: undefined, spacer, name, cells: this.#cells(tr, row.key) };
      this.#rows.set(row.key, els);
    }
    els.tr.className = `channel depth-${Math.min(row.depth, 4)}`;
    setText(els.name, `channel ${c.id}`, `Channel ${c.id} of ${displayName(row.device)}`);
    COLUMNS.slice(1).forEach((col, i) => {
      const td = els.cells[i]!;
      if (col.field === "powerW") setText(td, formatPower(c.powerW), exactValue(c.powerW, "W"));
      else if (col.field === "energyWh") {
        setText(td, formatEnergy(c.energyWh), exactValue(c.energyWh, "Wh"));
      } else if (col.key === "state") setText(td, c.state, `This channel is ${c.state}`);
      else setText(td, MISSING, "Only the device's own periods are counted");
    });
    return els;
  }
}

/** Marks a state cell that has stale or offline devices, so problems stand out. */
function markStates(td: HTMLTableCellElement, s: ApiNode["state"]): void {
  td.classList.toggle("has-offline", s.offline > 0);
  td.classList.toggle("has-stale", s.stale > 0 && s.offline === 0);
}
