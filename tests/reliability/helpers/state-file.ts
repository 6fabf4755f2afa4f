import { readFileSync, writeFileSync } from "node:fs";

/** What a test needs to know about the aggregator's state file. */
export interface StateSummary {
  /** Meters in the snapshot. */
  meters: number;
  /** Meters whose active counter has a reference (their first reading is persisted). */
  referenced: number;
  savedAtMs: number;
}

/** Reads the state file; undefined while it does not exist yet (or is being replaced). */
export function readStateSummary(path: string): StateSummary | undefined {
  let doc: {
    savedAtMs: number;
    engine: { meters: { meterId: unknown[]; refMwh: (number | null)[] } };
  };
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  const refs = doc.engine.meters.refMwh;
  return {
    meters: doc.engine.meters.meterId.length,
    referenced: refs.filter((r) => r !== null).length,
    savedAtMs: doc.savedAtMs,
  };
}

/** A history row in a version 2 state file (see the aggregator's README, "Persistence"). */
type RowArray = [
  string,
  number,
  number,
  number,
  number,
  number,
  0 | 1,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
];

/**
 * Rewrites a version 2 state file as version 1, the form every release before version 2 wrote
 * (history rows as objects, members without a value left out, as JSON.stringify leaves them),
 * so that a test can start the current release on what an earlier one left. Written here from
 * the documented layout, not with the aggregator's code: an independent reading of the format.
 * Returns the version found and the history rows converted.
 */
export function rewriteAsVersion1(path: string): { fromVersion: number; rows: number } {
  const doc = JSON.parse(readFileSync(path, "utf8")) as {
    version: number;
    history?: { queue: { seq: number; rows: RowArray[] }[] };
  };
  const fromVersion = doc.version;
  let rows = 0;
  for (const batch of doc.history?.queue ?? []) {
    (batch as { rows: unknown[] }).rows = batch.rows.map((a) => {
      rows++;
      const [path, periodStartMs, energyMwh, returnedEnergyMwh, energyDeltaMwh, returned] = a;
      const [additive, peakPowerW, online, stale, offline, observedAtMs] = a.slice(6);
      return {
        path,
        periodStartMs,
        energyMwh,
        returnedEnergyMwh,
        energyDeltaMwh,
        returnedEnergyDeltaMwh: returned,
        additive: additive === 1,
        ...(peakPowerW === null ? {} : { peakPowerW }),
        ...(online === null ? {} : { devices: { online, stale, offline } }),
        ...(observedAtMs === null ? {} : { observedAtMs }),
      };
    });
  }
  doc.version = 1;
  writeFileSync(path, JSON.stringify(doc), { mode: 0o600 });
  return { fromVersion, rows };
}
