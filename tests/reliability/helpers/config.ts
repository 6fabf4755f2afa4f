import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** A `[[devices]]` rule. */
export interface PlacementRule {
  match: string;
  path: string;
}

/** What a test's aggregator config says; everything else keeps the default. */
export interface AggregatorConfigOptions {
  company: string;
  /** Broker URL; omitted when credentials or the URL come from the environment. */
  url?: string;
  clientId: string;
  statePath: string;
  /** `[publish] interval_seconds`: short, so that a test sees totals quickly. */
  intervalS: number;
  /** `[publish] full_refresh_every`: every node is republished this often (an observer that reconnected sees them all). */
  fullRefreshEvery?: number;
  nested?: boolean;
  maxDevices?: number;
  maxPayloadBytes?: number;
  placements?: readonly PlacementRule[];
  /** More `[mqtt]` keys, as TOML lines (`ca_file = "..."`). */
  mqttLines?: readonly string[];
  /** `[http] host`; the port is always 0 (a free one). */
  httpHost?: string;
  /** `[http] token` (needed when `httpHost` is not a loopback address). */
  httpToken?: string;
  logLevel?: string;
  /** `[history]` keys as TOML lines (`url = "sqlite:..."`); undefined: no `[history]` table. */
  historyLines?: readonly string[];
  /** `[accounting] time_zone` (default UTC). */
  timeZone?: string;
}

const q = (text: string) => JSON.stringify(text);

/** The TOML text of a test's aggregator config. */
export function aggregatorConfig(o: AggregatorConfigOptions): string {
  const lines = [
    "[company]",
    `topic = ${q(`${o.company}/#`)}`,
    "",
    "[mqtt]",
    ...(o.url === undefined ? [] : [`url = ${q(o.url)}`]),
    `client_id = ${q(o.clientId)}`,
    "clean_session = false",
    "qos = 1",
    ...(o.mqttLines ?? []),
    "",
    "[publish]",
    `interval_seconds = ${o.intervalS}`,
    `full_refresh_every = ${o.fullRefreshEvery ?? 4}`,
    `nested = ${o.nested ?? false}`,
    "",
    "[state]",
    `path = ${q(o.statePath)}`,
    "",
    "[accounting]",
    `time_zone = ${q(o.timeZone ?? "UTC")}`,
    // The fleets here run 60-600 times faster than real time, so the arrival times of devices
    // without a clock of their own (Gen1) are squeezed as much: a 5-minute outage arrives as
    // half a second. One generous limit for every meter (the engine's default for unknown
    // models) keeps such catch-ups plausible; Shelly model ratings (2.9 kW for a Plug S) would
    // be right for real time, not for a sped-up one.
    "max_power_w = 60000",
    "",
    "[limits]",
    `max_devices = ${o.maxDevices ?? 20_000}`,
    `max_payload_bytes = ${o.maxPayloadBytes ?? 65_536}`,
    "",
    "[http]",
    ...(o.httpHost === undefined ? [] : [`host = ${q(o.httpHost)}`]),
    ...(o.httpToken === undefined ? [] : [`token = ${q(o.httpToken)}`]),
    "port = 0",
    "",
    ...(o.historyLines === undefined ? [] : ["[history]", ...o.historyLines, ""]),
    "[log]",
    `level = ${q(o.logLevel ?? "info")}`,
    'format = "json"',
  ];
  for (const rule of o.placements ?? []) {
    lines.push("", "[[devices]]", `match = ${q(rule.match)}`, `path = ${q(rule.path)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `config.toml` into `dir`; returns its path. */
export function writeConfig(dir: string, toml: string): string {
  const path = join(dir, "config.toml");
  writeFileSync(path, toml);
  return path;
}
