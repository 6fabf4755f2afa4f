import type { EnergyTruth } from "../core/energy-truth";
import type { FleetRunStats } from "../core/fleet";
import type { CommandStats } from "../core/fleet-commands";
import type { FleetOptions } from "../core/fleet-options";
import type { PlacementRule } from "../core/placements";

/** Progress of a run, reported every `progressIntervalMs` of wall time. */
export interface RunProgress {
  /** Messages published so far. */
  messages: number;
  /** Simulated time covered so far, ms. */
  simulatedMs: number;
  /** Wall time since the start, ms. */
  wallMs: number;
  /** Messages per wall-clock second since the start. */
  messagesPerSecond: number;
}

/** Options of {@link runSimulator}: a fleet plus where and how fast to publish it. */
export interface RunSimulatorOptions extends FleetOptions {
  /** Broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`; may carry `user:password@`). Default `mqtt://127.0.0.1:1883`. */
  url?: string;
  /** Simulated seconds per real second (60: one simulated minute per second). Default 1. Ignored with `flood`. */
  speed?: number;
  /** Publish as fast as the broker accepts; simulated time advances per batch. Needs `durationS` or `maxMessages`. */
  flood?: boolean;
  /** Stop after this much simulated time, s. */
  durationS?: number;
  /** Stop once this many messages were published (at the end of the device event that reaches it). */
  maxMessages?: number;
  /** QoS of every publish: 1 (default; nothing is lost, so the truth is exactly what a subscriber can see) or 0. */
  qos?: 0 | 1;
  /** Write the truth (JSON) here at the end. */
  truthFile?: string;
  /** Publish the truth (JSON, retained, QoS 1) on this topic at the end, e.g. `<Company>/simulator/truth`. */
  truthTopic?: string;
  /** Write the placement rules as the aggregator's `[[devices]]` TOML here, before connecting. */
  placementsFile?: string;
  /** MQTT client id. Default `shelly-sim-<seed>-<random hex>`. */
  clientId?: string;
  /** Publishes in flight at most (see `PublishWindow`). Default 1000. */
  maxInFlight?: number;
  /** Stops the run early (the end is the same: settle, `online` false, truth). */
  signal?: AbortSignal;
  /** Called with the progress every `progressIntervalMs` of wall time. */
  onProgress?: (progress: RunProgress) => void;
  /** Default 5000 ms. */
  progressIntervalMs?: number;
  /**
   * The devices listen to their command topics (`fleet.commandTopics()`, subscribed with QoS 1 on
   * the same connection before anything is published) and answer like real devices: see
   * `Fleet.handleCommand`. Off by default: then nothing is subscribed and the run is as before.
   */
  commands?: boolean;
}

/** What a run did. */
export interface RunSimulatorResult {
  /** Messages published (including start-up, settle, `online` false at the end; not the truth). */
  messages: number;
  /** Simulated time covered, ms. */
  simulatedMs: number;
  /** Wall time from connected to everything acknowledged, ms. */
  wallMs: number;
  /** `messages` per wall-clock second. */
  messagesPerSecond: number;
  /** Why it stopped. */
  stopReason: "duration" | "max-messages" | "aborted";
  /** The exact energy published (settled). */
  truth: EnergyTruth;
  /** Placement rules of the devices whose topic does not name their place. */
  placements: PlacementRule[];
  /** What was published and injected. */
  stats: FleetRunStats;
  /** What became of the commands received (all 0 without `commands`). */
  commands: CommandStats;
}

/** Default broker. */
export const DEFAULT_URL = "mqtt://127.0.0.1:1883";

const RUN_KEYS = [
  "url",
  "speed",
  "flood",
  "durationS",
  "maxMessages",
  "qos",
  "truthFile",
  "truthTopic",
  "placementsFile",
  "clientId",
  "maxInFlight",
  "signal",
  "onProgress",
  "progressIntervalMs",
  "commands",
];

/**
 * Problems with the run-specific options (the fleet's own are checked by `resolveFleetOptions`);
 * empty when fine.
 */
export function checkRunOptions(options: RunSimulatorOptions): string[] {
  const errors: string[] = [];
  const o = options;
  if (o.url !== undefined) {
    let protocol = "";
    try {
      protocol = new URL(o.url).protocol;
    } catch {
      errors.push(`url: not a URL: ${JSON.stringify(o.url)}`);
    }
    if (protocol !== "" && !["mqtt:", "mqtts:", "ws:", "wss:", "tcp:"].includes(protocol)) {
      errors.push(`url: protocol must be mqtt, mqtts, ws or wss, got ${protocol}`);
    }
  }
  if (
    o.speed !== undefined &&
    !(typeof o.speed === "number" && o.speed > 0 && Number.isFinite(o.speed))
  ) {
    errors.push(`speed must be a number > 0, got ${String(o.speed)}`);
  }
  if (o.flood !== undefined && typeof o.flood !== "boolean")
    errors.push("flood must be true or false");
  if (o.commands !== undefined && typeof o.commands !== "boolean")
    errors.push("commands must be true or false");
  if (
    o.durationS !== undefined &&
    !(typeof o.durationS === "number" && o.durationS > 0 && Number.isFinite(o.durationS))
  ) {
    errors.push(`durationS must be a number of seconds > 0, got ${String(o.durationS)}`);
  }
  if (o.maxMessages !== undefined && !(Number.isInteger(o.maxMessages) && o.maxMessages > 0)) {
    errors.push(`maxMessages must be an integer > 0, got ${String(o.maxMessages)}`);
  }
  if (o.flood === true && o.durationS === undefined && o.maxMessages === undefined) {
    errors.push("flood needs durationS or maxMessages (it would never stop)");
  }
  if (o.qos !== undefined && o.qos !== 0 && o.qos !== 1)
    errors.push(`qos must be 0 or 1, got ${String(o.qos)}`);
  for (const key of ["truthFile", "placementsFile", "clientId"] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== "string" || v === ""))
      errors.push(`${key} must be a non-empty string`);
  }
  if (
    o.truthTopic !== undefined &&
    (typeof o.truthTopic !== "string" || o.truthTopic === "" || /[+#]|\0/.test(o.truthTopic))
  ) {
    errors.push("truthTopic must be a topic name without '+' or '#'");
  }
  if (
    o.maxInFlight !== undefined &&
    !(Number.isInteger(o.maxInFlight) && o.maxInFlight >= 1 && o.maxInFlight <= 100_000)
  ) {
    errors.push(`maxInFlight must be an integer from 1 to 100000, got ${String(o.maxInFlight)}`);
  }
  if (
    o.progressIntervalMs !== undefined &&
    !(typeof o.progressIntervalMs === "number" && o.progressIntervalMs > 0)
  ) {
    errors.push("progressIntervalMs must be a number > 0");
  }
  return errors;
}

/** Splits run options into the fleet's and the run's own. */
export function fleetOptionsOf(options: RunSimulatorOptions): FleetOptions {
  const fleet: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!RUN_KEYS.includes(key) && value !== undefined) fleet[key] = value;
  }
  return fleet as FleetOptions;
}
