import * as z from "zod";

/**
 * Why a recognised Shelly message of kind `"ignored"` carries no readings (closed set):
 *
 * - `command`: a command to a device (`<prefix>/command…`, Gen1 `…/command`, `…/set`).
 * - `error-report`: a Gen2+ command error on `<prefix>/error/<component>`.
 * - `debug-log`: a Gen2+ debug log line on `<prefix>/debug/log`.
 * - `singleton-status`: a Gen2+ `status/<name>` without id other than `sys` (`wifi`, `mqtt`, …).
 * - `non-metering-component`: a Gen2+ `status/<component>:<id>` this package has no readings for
 *   (`input:0`, `script:1`, unknown future components).
 * - `unknown-notification-method`: an `events/rpc` frame whose method is not `NotifyStatus`,
 *   `NotifyFullStatus` or `NotifyEvent`.
 * - `volatile-counter`: Gen1 EM/3EM `emeter/<i>/energy` or `returned_energy`, watt-minute counters
 *   lost on reboot (REFERENCE §2.2); use `total` / `total_returned`.
 * - `missing-value`: a Gen1 energy counter reported the sentinel `-1` (pitfall P17).
 * - `gen1-non-metering`: any other Gen1 topic (`info`, inputs, sensors, roller state, …).
 */
export const SHELLY_IGNORED_REASONS = [
  "command",
  "error-report",
  "debug-log",
  "singleton-status",
  "non-metering-component",
  "unknown-notification-method",
  "volatile-counter",
  "missing-value",
  "gen1-non-metering",
] as const;

/** Zod schema of one ignore reason (a member of {@link SHELLY_IGNORED_REASONS}). */
export const shellyIgnoredReasonSchema = z.enum(SHELLY_IGNORED_REASONS);

/** Why a recognised message carries no readings, see {@link SHELLY_IGNORED_REASONS}. */
export type ShellyIgnoredReason = z.infer<typeof shellyIgnoredReasonSchema>;
