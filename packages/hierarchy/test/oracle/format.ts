/** Formatting for failure messages and traces. */
import { HOUR_MS, MINUTE_MS } from "./scenario";

/** Integer mWh as Wh with 3 decimals (`1234` → `"1.234"`). */
export function wh(mwh: number): string {
  return (mwh / 1000).toFixed(3);
}

/** A duration for humans: 45 s, 12 min, 3.5 h, 12 d. */
export function formatDuration(ms: number): string {
  if (ms < 2 * MINUTE_MS) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * HOUR_MS) return `${Math.round(ms / MINUTE_MS)} min`;
  if (ms < 48 * HOUR_MS) return `${(ms / HOUR_MS).toFixed(1)} h`;
  return `${(ms / (24 * HOUR_MS)).toFixed(1)} d`;
}
