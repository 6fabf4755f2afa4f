import {
  checkIgnoreCommands,
  type IgnoreCommands,
  type PersonOptions,
  type ResolvedPersonOptions,
  resolvePerson,
} from "./command-options";
import { checkFaultRates, type FaultRates } from "./faults";
import { isValidTimeZone } from "./local-clock";
import { checkModelMix, DEFAULT_MODEL_MIX, type ModelMix } from "./model-mix";

/**
 * Where devices publish: `hierarchy` gives Gen2 devices the topic prefix
 * `<Company>/<Office>/<Room>/<Device>`; `ids` keeps the default Shelly id (`shellyplusplugs-<hex>`).
 * Gen1 devices always publish under `shellies/<model>-<HEX>`. Devices whose prefix does not name
 * their place get a placement rule (see `Fleet.placements()`).
 */
export type FleetLayout = "hierarchy" | "ids";

/** What fleet to simulate. Every field is optional; defaults in {@link DEFAULT_FLEET_OPTIONS}. */
export interface FleetOptions {
  /** Seed of every random choice (unsigned 32-bit integer): the same seed reproduces a run exactly. */
  seed?: number;
  /** First topic/path segment, e.g. `Coreflux`. */
  company?: string;
  /** Number of offices. */
  offices?: number;
  /** Rooms in each office. */
  roomsPerOffice?: number;
  /** Devices in each room. */
  devicesPerRoom?: number;
  /** Relative weights of the models. */
  models?: ModelMix;
  /** Topic layout. */
  layout?: FleetLayout;
  /** Fault rates; none by default. */
  faults?: FaultRates;
  /** IANA time zone of the simulated local time (office hours, sun). */
  timeZone?: string;
  /** Simulated start time, Unix ms. */
  startMs?: number;
  /**
   * Devices that ignore every command (no switch, no RPC answer), to exercise a controller's
   * retries: a fraction of the fleet (0 … 1: that share of devices, rounded, picked with the seed)
   * or device ids, prefixes or paths (`Company/Office/Room/Device` or `Office/Room/Device`).
   */
  ignoreCommands?: IgnoreCommands;
  /** A person who switches channels back on after a command switched them off; nobody by default. */
  person?: PersonOptions;
}

/** {@link FleetOptions} with every default applied. */
export interface ResolvedFleetOptions {
  seed: number;
  company: string;
  offices: number;
  roomsPerOffice: number;
  devicesPerRoom: number;
  models: ModelMix;
  layout: FleetLayout;
  faults: FaultRates;
  timeZone: string;
  startMs: number;
  ignoreCommands: IgnoreCommands;
  person: ResolvedPersonOptions | undefined;
}

/**
 * Default fleet: 2 offices × 3 rooms × 4 devices, seed 1, no faults, UTC, Monday 2026-06-01 06:00Z;
 * every device obeys commands and nobody switches anything back on.
 */
export const DEFAULT_FLEET_OPTIONS: Readonly<ResolvedFleetOptions> = {
  seed: 1,
  company: "Coreflux",
  offices: 2,
  roomsPerOffice: 3,
  devicesPerRoom: 4,
  models: DEFAULT_MODEL_MIX,
  layout: "hierarchy",
  faults: {},
  timeZone: "UTC",
  startMs: Date.UTC(2026, 5, 1, 6, 0, 0),
  ignoreCommands: 0,
  person: undefined,
};

/** Most devices a fleet may have. */
export const MAX_FLEET_DEVICES = 1_000_000;

const FLEET_KEYS = Object.keys(DEFAULT_FLEET_OPTIONS);

/** Result of {@link resolveFleetOptions}. */
export type FleetOptionsResult =
  | { ok: true; options: ResolvedFleetOptions }
  | { ok: false; errors: string[] };

function positiveInteger(errors: string[], name: string, value: unknown, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    errors.push(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
}

/** True for a topic segment: non-empty, at most 64 characters, no `/`, `+`, `#` or control characters. */
export function isTopicSegment(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  return text.length > 0 && text.length <= 64 && !/[/+#\u0000-\u001f]/.test(text);
}

/**
 * Applies defaults and validates. Never throws: every problem is named in `errors`. Unknown keys
 * are errors too (a typo must not silently fall back to a default).
 */
export function resolveFleetOptions(options: FleetOptions = {}): FleetOptionsResult {
  const errors: string[] = [];
  if (typeof options !== "object" || options === null) {
    return { ok: false, errors: ["options must be an object"] };
  }
  for (const key of Object.keys(options)) {
    if (!FLEET_KEYS.includes(key)) errors.push(`unknown option "${key}"`);
  }
  const o = { ...DEFAULT_FLEET_OPTIONS, ...stripUndefined(options) } as ResolvedFleetOptions;
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    errors.push(`seed must be an integer from 0 to 4294967295, got ${String(o.seed)}`);
  }
  if (typeof o.company !== "string" || !isTopicSegment(o.company)) {
    errors.push(
      "company must be 1-64 characters without '/', '+', '#' or control characters (one topic level)",
    );
  }
  positiveInteger(errors, "offices", o.offices, 10_000);
  positiveInteger(errors, "roomsPerOffice", o.roomsPerOffice, 10_000);
  positiveInteger(errors, "devicesPerRoom", o.devicesPerRoom, 10_000);
  if (errors.length === 0 && o.offices * o.roomsPerOffice * o.devicesPerRoom > MAX_FLEET_DEVICES) {
    errors.push(`a fleet has at most ${MAX_FLEET_DEVICES} devices`);
  }
  errors.push(...checkModelMix(o.models));
  if (o.layout !== "hierarchy" && o.layout !== "ids") {
    errors.push(`layout must be "hierarchy" or "ids", got ${JSON.stringify(o.layout)}`);
  }
  errors.push(...checkFaultRates(o.faults));
  if (typeof o.timeZone !== "string" || !isValidTimeZone(o.timeZone)) {
    errors.push(`timeZone: unknown IANA time zone ${JSON.stringify(o.timeZone)}`);
  }
  if (!Number.isInteger(o.startMs) || Math.abs(o.startMs) > 8.64e15) {
    errors.push(`startMs must be an integer Unix time in ms, got ${String(o.startMs)}`);
  }
  errors.push(...checkIgnoreCommands(o.ignoreCommands));
  const person = resolvePerson(options.person);
  errors.push(...person.errors);
  o.person = person.person;
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options: o };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k as keyof T] = v;
  return out;
}
