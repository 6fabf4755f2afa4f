/**
 * "A person" who switches a channel back on some simulated time after a command switched it off,
 * as someone at a desk who wants the light back: the status then reports their `source`, not
 * `MQTT`, which is how an automation tells a person's override from its own command.
 */
export interface PersonOptions {
  /** Probability (0 … 1) that a channel switched off by a command is switched back on. Default 1. */
  probability?: number;
  /**
   * When, in simulated seconds after the command: a fixed delay, or `[min, max]` drawn uniformly
   * (from the device's own seeded generator). Default `[60, 600]`.
   */
  afterS?: number | readonly [number, number];
  /**
   * The `source` the Gen2 status reports (Gen1 reports none). Default `"WS_in"`, the local web UI
   * or app (REFERENCE §3.5 lists `WS_in`, `switch` for a wall switch on the input, `SHC` for the
   * cloud, `http`, `HTTP_in`, …). Anything but `MQTT`, which is a command's.
   */
  source?: string;
}

/** {@link PersonOptions} with every default applied. */
export interface ResolvedPersonOptions {
  probability: number;
  minAfterS: number;
  maxAfterS: number;
  source: string;
}

/** Devices that ignore every command: a fraction of the fleet (0 … 1), or device ids, prefixes or paths. */
export type IgnoreCommands = number | readonly string[];

const PERSON_KEYS = ["probability", "afterS", "source"];

/** Longest person delay, s (a day: past that no window would still be open). */
const MAX_AFTER_S = 86_400;

function delayOk(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_AFTER_S;
}

/** Problems with `ignoreCommands` (empty when fine); device names are matched by the fleet. */
export function checkIgnoreCommands(value: unknown): string[] {
  if (typeof value === "number") {
    return value >= 0 && value <= 1
      ? []
      : [`ignoreCommands must be a fraction from 0 to 1, got ${String(value)}`];
  }
  if (Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")) return [];
  return [
    "ignoreCommands must be a fraction from 0 to 1 or a list of device ids, prefixes or paths",
  ];
}

/** Validates and applies defaults; `errors` names every problem (`person.afterS …`). */
export function resolvePerson(value: unknown): {
  person: ResolvedPersonOptions | undefined;
  errors: string[];
} {
  if (value === undefined) return { person: undefined, errors: [] };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      person: undefined,
      errors: ["person must be an object { probability?, afterS?, source? }"],
    };
  }
  const errors: string[] = [];
  const p = value as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!PERSON_KEYS.includes(key)) errors.push(`unknown option "person.${key}"`);
  }
  const probability = p.probability ?? 1;
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) {
    errors.push(`person.probability must be from 0 to 1, got ${String(p.probability)}`);
  }
  const after = p.afterS ?? [60, 600];
  let minAfterS = 0;
  let maxAfterS = 0;
  if (delayOk(after)) {
    minAfterS = after;
    maxAfterS = after;
  } else if (
    Array.isArray(after) &&
    after.length === 2 &&
    delayOk(after[0]) &&
    delayOk(after[1]) &&
    after[0] <= after[1]
  ) {
    minAfterS = after[0];
    maxAfterS = after[1];
  } else {
    errors.push(
      `person.afterS must be seconds (0 … ${MAX_AFTER_S}) or [min, max] with min <= max, got ${JSON.stringify(p.afterS)}`,
    );
  }
  const source = p.source ?? "WS_in";
  if (
    typeof source !== "string" ||
    !/^[A-Za-z0-9_.:-]{1,32}$/.test(source) ||
    source.toUpperCase() === "MQTT"
  ) {
    errors.push(
      `person.source must be 1-32 letters, digits or _.:- and not MQTT, got ${JSON.stringify(p.source)}`,
    );
  }
  if (errors.length > 0) return { person: undefined, errors };
  return {
    person: { probability: probability as number, minAfterS, maxAfterS, source: source as string },
    errors,
  };
}
