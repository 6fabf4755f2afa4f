import { type ParseResult, parseNamedNumbers } from "./parse-result";

/**
 * The faults the simulator can inject.
 *
 * Per device-hour (the rate is the expected number per device and simulated hour):
 * - `reset`: the device reboots: it publishes its counters, goes `online` false for 2-4 s, comes
 *   back with a small `sys.uptime`, and volatile counters (Gen1 relay, Gen2 `aenergy`) restart at 0.
 * - `offline`: the device goes `online` false and silent for 60-300 s, then comes back with the
 *   counter that advanced meanwhile.
 *
 * Per metering message (the rate is the probability that one message carrying power or a counter
 * is affected):
 * - `zero`: power and counters read 0 in that message only.
 * - `spike`: counters jump by 1,000,000,000 Wh and power by 1,000,000 W in that message only.
 * - `duplicate`: the message is published twice.
 * - `reorder`: the message is published after the device's next message, or an older message of
 *   the device is published again after it.
 * - `malformed`: the payload is truncated JSON, has a wrong type, is not a number, or is garbage
 *   bytes.
 */
export const FAULT_KINDS = [
  "reset",
  "offline",
  "zero",
  "spike",
  "duplicate",
  "reorder",
  "malformed",
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults whose rate is per device-hour. */
export const DEVICE_HOUR_FAULTS: readonly FaultKind[] = ["reset", "offline"];

/** Faults whose rate is a probability per metering message. */
export const MESSAGE_FAULTS: readonly FaultKind[] = [
  "zero",
  "spike",
  "duplicate",
  "reorder",
  "malformed",
];

/** Rates by fault kind (see {@link FAULT_KINDS} for the unit of each); absent = 0. */
export type FaultRates = Partial<Record<FaultKind, number>>;

/** Problems with fault rates; empty if fine. Per-message probabilities must add up to at most 1. */
export function checkFaultRates(rates: unknown): string[] {
  if (typeof rates !== "object" || rates === null || Array.isArray(rates)) {
    return ["faults must be an object of fault kind → rate"];
  }
  const errors: string[] = [];
  let messageTotal = 0;
  for (const [name, rate] of Object.entries(rates)) {
    if (!(FAULT_KINDS as readonly string[]).includes(name)) {
      errors.push(`faults: unknown fault "${name}" (known: ${FAULT_KINDS.join(", ")})`);
    } else if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
      errors.push(`faults: rate of ${name} must be a finite number >= 0`);
    } else if (MESSAGE_FAULTS.includes(name as FaultKind)) {
      if (rate > 1) errors.push(`faults: ${name} is a probability per message, at most 1`);
      messageTotal += rate;
    }
  }
  if (errors.length === 0 && messageTotal > 1) {
    errors.push(
      `faults: the per-message probabilities (${MESSAGE_FAULTS.join(", ")}) add up to ${messageTotal}, more than 1`,
    );
  }
  return errors;
}

/** Parses `reset=0.01,zero=0.01,spike=0.005`. */
export function parseFaultRates(text: string): ParseResult<FaultRates> {
  const pairs = parseNamedNumbers(text, "--faults", undefined);
  if (!pairs.ok) return pairs;
  const rates: FaultRates = {};
  for (const [name, rate] of pairs.value) rates[name as FaultKind] = rate;
  const errors = checkFaultRates(rates);
  return errors.length > 0 ? { ok: false, error: errors[0]! } : { ok: true, value: rates };
}
