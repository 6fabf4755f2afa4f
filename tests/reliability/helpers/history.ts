import { type HistoryStore, openHistory, type ReportRow } from "@coreflux/history";
import type { ExpectedNode } from "./truth";

/** Opens a test's history for reading (the aggregator writes it meanwhile). */
export function readHistory(
  url: string,
  company: string,
  periodMinutes: 1 | 5 | 15 | 60,
  timeZone: string,
): Promise<HistoryStore> {
  return openHistory({
    url,
    company,
    periodMinutes,
    timeZone,
    readOnly: url.startsWith("sqlite:"),
  });
}

/** Every period row of the history, from the Unix epoch to far ahead. */
export function allPeriodRows(store: HistoryStore): Promise<ReportRow[]> {
  return store.report({ fromMs: 0, toMs: Date.UTC(2100, 0, 1), by: "period" });
}

/**
 * The checks that make the history exact, one line per failure (empty: all hold):
 * - every node's rows add up to its truth (`expected`, keyed `Company/Office/...`), active and
 *   returned energy, to the mWh;
 * - in every period, each parent's row equals the sum of its children's rows;
 * - the hour rows add up to the same totals as the period rows, node by node.
 */
export function checkHistory(
  company: string,
  periods: readonly ReportRow[],
  hours: readonly ReportRow[],
  expected: ReadonlyMap<string, ExpectedNode>,
): string[] {
  const problems: string[] = [];
  const full = (path: string) => (path === "" ? company : `${company}/${path}`);
  const sums = (rows: readonly ReportRow[]) => {
    const byNode = new Map<string, { energyMwh: number; returnedEnergyMwh: number }>();
    for (const r of rows) {
      const s = byNode.get(full(r.path)) ?? { energyMwh: 0, returnedEnergyMwh: 0 };
      s.energyMwh += r.energyMwh;
      s.returnedEnergyMwh += r.returnedEnergyMwh;
      byNode.set(full(r.path), s);
    }
    return byNode;
  };
  const periodSums = sums(periods);
  const hourSums = sums(hours);
  for (const [path, want] of expected) {
    const got = periodSums.get(path) ?? { energyMwh: 0, returnedEnergyMwh: 0 };
    if (got.energyMwh !== want.energyMwh || got.returnedEnergyMwh !== want.returnedEnergyMwh) {
      problems.push(
        `${path}: rows add up to ${got.energyMwh}/${got.returnedEnergyMwh} mWh, truth ${want.energyMwh}/${want.returnedEnergyMwh}`,
      );
    }
    const h = hourSums.get(path) ?? { energyMwh: 0, returnedEnergyMwh: 0 };
    if (h.energyMwh !== got.energyMwh || h.returnedEnergyMwh !== got.returnedEnergyMwh) {
      problems.push(
        `${path}: hour rows add up to ${h.energyMwh}/${h.returnedEnergyMwh} mWh, period rows ${got.energyMwh}/${got.returnedEnergyMwh}`,
      );
    }
  }
  for (const path of periodSums.keys()) {
    if (!expected.has(path)) problems.push(`${path}: has rows but is not in the truth`);
  }
  // Parent = sum of children, period by period.
  const byPeriod = new Map<number, Map<string, ReportRow>>();
  for (const r of periods) {
    let m = byPeriod.get(r.periodStartMs);
    if (m === undefined) {
      m = new Map();
      byPeriod.set(r.periodStartMs, m);
    }
    m.set(r.path, r);
  }
  for (const [start, rows] of byPeriod) {
    const childSums = new Map<string, { e: number; r: number }>();
    for (const row of rows.values()) {
      if (row.path === "") continue;
      const cut = row.path.lastIndexOf("/");
      const parent = cut < 0 ? "" : row.path.slice(0, cut);
      const s = childSums.get(parent) ?? { e: 0, r: 0 };
      s.e += row.energyMwh;
      s.r += row.returnedEnergyMwh;
      childSums.set(parent, s);
    }
    for (const [parent, s] of childSums) {
      const p = rows.get(parent);
      if (p === undefined || p.energyMwh !== s.e || p.returnedEnergyMwh !== s.r) {
        problems.push(
          `${new Date(start).toISOString()} ${full(parent)}: row ${p?.energyMwh}/${p?.returnedEnergyMwh} mWh, children add up to ${s.e}/${s.r}`,
        );
      }
    }
  }
  return problems;
}
