/**
 * The engine-visible plausibility bound shared by the model (a corrupted value must exceed it to
 * be recognisable) and the accountant (the classes K1 and K2 are defined by it).
 */

/** The engine's floor of the elapsed time in plausibility checks, ms. */
export const MIN_ELAPSED_MS = 60_000;
/** Decreases up to this are jitter for the engine, mWh (1 Wh). */
export const JITTER_MWH = 1000;

/**
 * The most a meter can plausibly consume in `elapsedMs` at `ratingEffW` (W), as the classes K1
 * and K2 define it: `ratingEff × max(elapsed, 60 s) + 1 Wh`, integer mWh.
 */
export function plausibleMaxMwh(ratingEffW: number, elapsedMs: number): number {
  return Math.ceil((ratingEffW * Math.max(elapsedMs, MIN_ELAPSED_MS)) / 3600) + JITTER_MWH;
}
