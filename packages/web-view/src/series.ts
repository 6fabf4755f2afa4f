/**
 * History rows to chart series: one series per child (in the tree's order), aligned on the
 * bucket starts, plus the running sums that a stacked chart draws and the total per bucket. Pure.
 */
import type { HistoryRow } from "./api";

/** One child's energy per bucket, Wh (0 where it has no row). */
export interface Series {
  path: string;
  label: string;
  values: number[];
}

/** Series aligned on `xs`, with the stack tops and the totals. */
export interface StackedData {
  /** Bucket starts, ms since the epoch, ascending. */
  xs: number[];
  /** In stacking order: the first is at the bottom. */
  series: Series[];
  /** `stacks[i][j]` = Σ `series[0..i].values[j]`, Wh: the top edge of series i. */
  stacks: number[][];
  /** Energy of all series per bucket, Wh. */
  totals: number[];
}

/** Rows carry mWh (3 decimals of Wh): sums are rounded to µWh so 0.1 + 0.2 reads 0.3. */
const roundSum = (wh: number): number => Math.round(wh * 1e6) / 1e6;

/**
 * Pivots history rows into stacked series. `order` gives the paths in the order to stack them
 * (the tree's children); paths of rows not in `order` follow, sorted. `labels` names the paths
 * (the last segment of the path otherwise). Several rows for the same path and bucket add up.
 */
export function stackRows(
  rows: readonly HistoryRow[],
  order: readonly string[],
  labels: ReadonlyMap<string, string>,
): StackedData {
  const xs = [...new Set(rows.map((r) => r.periodStartMs))].sort((a, b) => a - b);
  const column = new Map(xs.map((x, i) => [x, i]));
  const present = new Set(rows.map((r) => r.path));
  const paths = [
    ...order.filter((p) => present.has(p)),
    ...[...present].filter((p) => !order.includes(p)).sort(),
  ];
  const index = new Map(paths.map((p, i) => [p, i]));
  const series: Series[] = paths.map((path) => ({
    path,
    label: labels.get(path) ?? path.split("/").pop() ?? path,
    values: xs.map(() => 0),
  }));
  for (const r of rows) {
    const s = series[index.get(r.path)!]!;
    const j = column.get(r.periodStartMs)!;
    s.values[j] = roundSum((s.values[j] ?? 0) + r.energyWh);
  }
  const stacks: number[][] = [];
  let below = xs.map(() => 0);
  for (const s of series) {
    below = below.map((v, j) => roundSum(v + (s.values[j] ?? 0)));
    stacks.push(below);
  }
  return { xs, series, stacks, totals: below };
}
