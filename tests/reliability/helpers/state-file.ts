import { readFileSync } from "node:fs";

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
