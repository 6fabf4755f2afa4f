/**
 * The charts of the selected node: the last 24 hours per period, the days of this month and the
 * months of this year, stacked by the node's children (a device: its own energy), drawn by uPlot.
 * Hovering shows each child's exact value and the total in the legend; a data table under each
 * chart gives the same numbers to the keyboard and to screen readers.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError, type ApiNode, fetchHistory, type HistoryBy, type HistoryResponse } from "./api";
import { el, syncChildren } from "./dom";
import { exactValue, formatEnergy, formatPower, MISSING } from "./format";
import { type StackedData, stackRows } from "./series";
import { formatBucket, formatTick, last24Hours, type Range, thisMonth, thisYear } from "./time";
import { childrenGlob } from "./tree";

/** Series colours (stroke; the fill is the same with transparency), bottom of the stack first. */
const PALETTE = [
  "#2f6fdb",
  "#e8772e",
  "#2a9d5b",
  "#c8384a",
  "#8a5cc2",
  "#a0702a",
  "#d45fb0",
  "#6b7280",
  "#b5a51c",
  "#1fa3b5",
];

interface ChartSpec {
  id: string;
  title: string;
  by: HistoryBy;
  range: (nowMs: number, timeZone: string) => Range;
}

const SPECS: readonly ChartSpec[] = [
  { id: "last-24h", title: "Last 24 hours, per period", by: "period", range: last24Hours },
  { id: "this-month", title: "This month, per day", by: "day", range: thisMonth },
  { id: "this-year", title: "This year, per month", by: "month", range: thisYear },
];

/** What the charts need to know besides the node. */
export interface ChartContext {
  /** The aggregator's zone: days and months are its local ones. */
  timeZone: string;
  /** The aggregator's clock (the `tsMs` of the last `/api/nodes`), ms. */
  nowMs: number;
  /** `history` of `/api/nodes`. */
  history: boolean;
}

/** The charts are fetched again at most this often while the same node stays selected, ms. */
export const REFRESH_MS = 60_000;

/** The message shown instead of the charts when history is not configured. */
export const HISTORY_OFF = "History is off: add [history] to config.toml to see charts.";

const PLOT_HEIGHT = 220;

interface Drawn {
  signature: string;
  plot: uPlot;
  /** Read by the scale and legend callbacks, so `setData` needs no new options. */
  state: { data: StackedData; range: Range; periodMinutes: number };
  figure: HTMLElement;
}

function note(text: string, testId?: string): HTMLElement {
  const p = el("p", "note", text);
  if (testId !== undefined) p.dataset.testid = testId;
  return p;
}

/** `1.23 kWh (1234.567 Wh)`, and the average power for a period bucket. */
function describeEnergy(wh: number, periodMinutes: number | undefined): string {
  const avg =
    periodMinutes !== undefined && periodMinutes > 0
      ? `, avg ${formatPower(wh / (periodMinutes / 60))}`
      : "";
  return `${formatEnergy(wh)} (${exactValue(wh, "Wh")}${avg})`;
}

/** The charts panel: owns its container's content. */
export class ChartsPanel {
  readonly #container: HTMLElement;
  #node: ApiNode | undefined;
  #ctx: ChartContext | undefined;
  #abort: AbortController | undefined;
  #fetchedAtMs = Number.NEGATIVE_INFINITY;
  #drawn = new Map<string, Drawn>();
  readonly #resizeObserver: ResizeObserver;

  constructor(container: HTMLElement) {
    this.#container = container;
    this.#container.replaceChildren(note("Select a node in the tree to see its charts."));
    this.#resizeObserver = new ResizeObserver(() => this.#resize());
    this.#resizeObserver.observe(container);
  }

  /** Shows the charts of `node` (a new selection): fetches now. */
  select(node: ApiNode | undefined, ctx: ChartContext): void {
    this.#node = node;
    this.#ctx = ctx;
    this.#clear();
    if (node === undefined) {
      this.#container.replaceChildren(note("Select a node in the tree to see its charts."));
      return;
    }
    if (!ctx.history) {
      this.#container.replaceChildren(note(HISTORY_OFF, "history-off"));
      return;
    }
    this.#container.replaceChildren(note("Loading the history…"));
    void this.#load();
  }

  /** A live update: keeps the selection, refetches when the data is older than `REFRESH_MS`. */
  update(node: ApiNode | undefined, ctx: ChartContext): void {
    const historyChanged = this.#ctx?.history !== ctx.history;
    if (node === undefined || historyChanged || node.path !== this.#node?.path) {
      this.select(node, ctx);
      return;
    }
    this.#node = node;
    this.#ctx = ctx;
    if (ctx.history && ctx.nowMs - this.#fetchedAtMs >= REFRESH_MS) void this.#load();
  }

  #clear(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    for (const d of this.#drawn.values()) d.plot.destroy();
    this.#drawn.clear();
    this.#fetchedAtMs = Number.NEGATIVE_INFINITY;
  }

  async #load(): Promise<void> {
    const node = this.#node;
    const ctx = this.#ctx;
    if (node === undefined || ctx === undefined) return;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.#fetchedAtMs = ctx.nowMs;
    const path = childrenGlob(node);
    let results: HistoryResponse[];
    try {
      results = await Promise.all(
        SPECS.map((spec) => {
          const range = spec.range(ctx.nowMs, ctx.timeZone);
          return fetchHistory({ path, by: spec.by, ...range }, abort.signal);
        }),
      );
    } catch (error) {
      if (abort.signal.aborted) return;
      this.#clear();
      if (error instanceof ApiError && error.status === 404) {
        this.#container.replaceChildren(note(HISTORY_OFF, "history-off"));
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.#container.replaceChildren(note(`The history could not be loaded: ${message}`));
      }
      return;
    }
    if (abort.signal.aborted) return;
    this.#render(node, ctx, results);
  }

  #render(node: ApiNode, ctx: ChartContext, results: HistoryResponse[]): void {
    const isDevice = node.children.length === 0;
    const order = isDevice ? [node.path] : node.children.map((c) => c.path);
    const labels = new Map(
      isDevice ? [[node.path, node.name]] : node.children.map((c) => [c.path, c.name]),
    );
    const heading =
      this.#container.querySelector<HTMLElement>(":scope > .charts-node") ?? el("p", "charts-node");
    heading.textContent = isDevice
      ? `${node.name}: its own energy`
      : `${node.name || "Company"}: energy stacked by its ${node.children.length} children`;
    const figures: HTMLElement[] = [];
    SPECS.forEach((spec, i) => {
      const result = results[i]!;
      const data = stackRows(result.rows, order, labels);
      const range = spec.range(ctx.nowMs, ctx.timeZone);
      const periodMinutes = spec.by === "period" ? result.periodMinutes : 0;
      figures.push(this.#chart(spec, ctx.timeZone, data, range, periodMinutes));
    });
    // Figures updated in place stay where they are (an open table keeps its focus).
    syncChildren(this.#container, [heading, ...figures]);
    this.#resize();
  }

  #chart(
    spec: ChartSpec,
    timeZone: string,
    data: StackedData,
    range: Range,
    periodMinutes: number,
  ): HTMLElement {
    const signature = `${timeZone}|${data.series.map((s) => s.path).join("\n")}`;
    const existing = this.#drawn.get(spec.id);
    if (existing !== undefined && existing.signature === signature && data.xs.length > 0) {
      existing.state.data = data;
      existing.state.range = range;
      existing.state.periodMinutes = periodMinutes;
      existing.plot.setData(plotData(data), true);
      fillCaption(existing.figure, spec, data, periodMinutes, timeZone);
      return existing.figure;
    }
    existing?.plot.destroy();
    this.#drawn.delete(spec.id);

    const figure = el("figure", "chart");
    figure.dataset.testid = `chart-${spec.id}`;
    const caption = el("figcaption");
    caption.append(el("h3", undefined, spec.title), el("p", "chart-total"));
    figure.append(caption);
    if (data.xs.length === 0) {
      figure.append(note("No energy recorded in this range yet."));
      fillCaption(figure, spec, data, periodMinutes, timeZone);
      return figure;
    }
    const host = el("div", "chart-plot");
    host.setAttribute("role", "img");
    figure.append(host, el("details", "chart-table"));
    const state = { data, range, periodMinutes };
    const plot = new uPlot(plotOptions(spec, timeZone, state, host), plotData(data), host);
    this.#drawn.set(spec.id, { signature, plot, state, figure });
    fillCaption(figure, spec, data, periodMinutes, timeZone);
    return figure;
  }

  #resize(): void {
    for (const d of this.#drawn.values()) {
      const width = plotWidth(d.figure);
      if (width !== d.plot.width) d.plot.setSize({ width, height: PLOT_HEIGHT });
    }
  }
}

function plotWidth(figure: HTMLElement): number {
  return Math.max(260, Math.floor(figure.clientWidth || 600));
}

/** uPlot's columns: x, the total (not drawn), then the stack tops from the top one down. */
function plotData(data: StackedData): uPlot.AlignedData {
  return [data.xs, data.totals, ...[...data.stacks].reverse()];
}

function plotOptions(
  spec: ChartSpec,
  timeZone: string,
  state: Drawn["state"],
  host: HTMLElement,
): uPlot.Options {
  const n = state.data.series.length;
  const bars = uPlot.paths.bars!({ size: [0.9, 64], align: 1 });
  const rawValue = (seriesIdx: number, idx: number | null): string => {
    if (idx == null) return MISSING;
    // Columns 2.. are the series from the top of the stack down.
    const s = seriesIdx === 1 ? state.data.totals : state.data.series[n - (seriesIdx - 1)]?.values;
    const v = s?.[idx];
    return v === undefined ? MISSING : describeEnergy(v, state.periodMinutes || undefined);
  };
  const series: uPlot.Series[] = [
    {
      label: spec.by === "month" ? "Month" : spec.by === "day" ? "Day" : "Period",
      value: (_u, v) => (v == null ? MISSING : formatBucket(v, spec.by, timeZone)),
    },
    {
      label: "Total",
      stroke: "transparent",
      paths: () => null,
      points: { show: false },
      value: (_u, _v, si, idx) => rawValue(si, idx),
    },
  ];
  for (let k = n - 1; k >= 0; k--) {
    const color = PALETTE[k % PALETTE.length]!;
    series.push({
      label: state.data.series[k]!.label,
      stroke: color,
      fill: `${color}b3`,
      width: 1,
      paths: bars,
      points: { show: false },
      value: (_u, _v, si, idx) => rawValue(si, idx),
    });
  }
  return {
    width: plotWidth(host.parentElement ?? host),
    height: PLOT_HEIGHT,
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), timeZone),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      x: { time: true, range: () => [state.range.fromMs, state.range.toMs] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      {
        values: (_u, splits) => splits.map((v) => formatTick(v, spec.by, timeZone)),
      },
      {
        size: 76,
        values: (_u, splits) => splits.map((v) => formatEnergy(v)),
      },
    ],
    series,
  };
}

/** The total line, the accessible label and the data table of a figure. */
function fillCaption(
  figure: HTMLElement,
  spec: ChartSpec,
  data: StackedData,
  periodMinutes: number,
  timeZone: string,
): void {
  const sum = data.totals.reduce((a, b) => a + b, 0);
  const total = figure.querySelector<HTMLElement>(".chart-total");
  if (total !== null) {
    total.textContent = `Total: ${formatEnergy(Math.round(sum * 1e6) / 1e6)}`;
    total.title = exactValue(Math.round(sum * 1e6) / 1e6, "Wh");
  }
  const host = figure.querySelector<HTMLElement>(".chart-plot");
  host?.setAttribute(
    "aria-label",
    `${spec.title}: ${formatEnergy(sum)} in total, stacked by ${data.series.map((s) => s.label).join(", ")}. The table below lists the values.`,
  );
  const details = figure.querySelector<HTMLDetailsElement>("details.chart-table");
  if (details === null) return;
  const summary = details.querySelector("summary") ?? el("summary", undefined, "Values as a table");
  const table = el("table");
  const head = el("tr");
  head.append(
    el("th", undefined, spec.by === "month" ? "Month" : spec.by === "day" ? "Day" : "Period"),
  );
  for (const s of data.series) head.append(el("th", undefined, s.label));
  head.append(el("th", undefined, "Total"));
  for (const th of head.children) th.setAttribute("scope", "col");
  const body = el("tbody");
  data.xs.forEach((x, j) => {
    const tr = el("tr");
    const th = el("th", undefined, formatBucket(x, spec.by, timeZone));
    th.setAttribute("scope", "row");
    tr.append(th);
    for (const v of [...data.series.map((s) => s.values[j] ?? 0), data.totals[j] ?? 0]) {
      const td = el("td", "num", formatEnergy(v));
      td.title = exactValue(v, "Wh");
      tr.append(td);
    }
    body.append(tr);
  });
  table.append(el("thead"), body);
  table.tHead!.append(head);
  syncChildren(details, [summary, table]);
  if (periodMinutes > 0) details.dataset.periodMinutes = String(periodMinutes);
}
