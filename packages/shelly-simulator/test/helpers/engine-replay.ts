import { createEnergyEngine, type EnergyEngine, type MeterHandle } from "@coreflux/hierarchy";
import { parseShellyMessage, shellyPowerByDirection } from "@coreflux/shelly-schema";
import type { EnergyTruth, PlacementRule, SimMessage } from "../../src/index";

/** What replaying a stream into an engine did. */
export interface Replay {
  engine: EnergyEngine;
  /** Messages the parser refused. */
  rejected: number;
  /** Ingest outcomes by name (accepted, duplicate, reset, glitch, ...). */
  outcomes: Map<string, number>;
  /** Latest message time, Unix ms. */
  lastTsMs: number;
}

/**
 * Feeds messages the way the aggregator does: parse with shelly-schema, place the device by its
 * prefix (a `Company/Office/Room/Device` prefix places itself, otherwise a placement rule), then
 * `engine.meter(path, reading.meter)` + `engine.ingest(...)` with the message time; `online`
 * messages set availability and (with `noteUptime`) `sys.uptime` tells the engine about reboots.
 */
export function replay(
  messages: Iterable<{ topic: string; payload: string | Uint8Array; tsMs: number }>,
  company: string,
  placements: readonly PlacementRule[],
  options: { noteUptime: boolean; arrivalMs?: (index: number) => number },
): Replay {
  const engine = createEnergyEngine({ timeZone: "UTC" });
  const rules = new Map(placements.map((r) => [r.match, [company, ...r.path.split("/")]]));
  const meters = new Map<string, MeterHandle>();
  const outcomes = new Map<string, number>();
  let rejected = 0;
  let lastTsMs = 0;
  let index = 0;
  for (const message of messages) {
    const m =
      options.arrivalMs === undefined ? message : { ...message, tsMs: options.arrivalMs(index) };
    index++;
    lastTsMs = Math.max(lastTsMs, m.tsMs);
    const parsed = parseShellyMessage(m.topic, m.payload);
    if (!parsed.ok) {
      rejected++;
      continue;
    }
    const msg = parsed.message;
    const path = rules.get(msg.prefix) ?? placedByPrefix(msg.prefix, company);
    if (path === undefined) throw new Error(`unplaced prefix ${msg.prefix} (${m.topic})`);
    if (msg.kind === "online") {
      engine.setAvailability(path, msg.online, m.tsMs);
      continue;
    }
    for (const reading of msg.readings) {
      const hasCounter = reading.energyWh !== undefined || reading.returnedEnergyWh !== undefined;
      if (!hasCounter && reading.powerW === undefined) continue;
      const key = `${msg.prefix}\u0000${reading.meter}`;
      let handle = meters.get(key);
      if (handle === undefined) {
        const found = engine.meter(path, reading.meter);
        if (!found.ok) throw new Error(`meter refused: ${found.reason} for ${path.join("/")}`);
        handle = found.meter;
        meters.set(key, handle);
      }
      const split = reading.powerW === undefined ? undefined : shellyPowerByDirection(reading);
      const outcome = engine.ingest(handle, {
        tsMs: m.tsMs,
        energyWh: reading.energyWh,
        returnedEnergyWh: reading.returnedEnergyWh,
        powerW: reading.powerW,
        importPowerW: split?.importW,
        exportPowerW: split?.exportW,
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    if (options.noteUptime && "uptimeS" in msg && msg.uptimeS !== undefined) {
      const node = engine.findNode(path);
      if (node !== undefined) engine.noteUptime(node, msg.uptimeS, m.tsMs);
    }
  }
  return { engine, rejected, outcomes, lastTsMs };
}

function placedByPrefix(prefix: string, company: string): string[] | undefined {
  const segments = prefix.split("/");
  return segments.length === 4 && segments[0] === company ? segments : undefined;
}

/** Every difference between the engine's totals and the truth, as readable lines (empty: equal). */
export function compareWithTruth(
  engine: EnergyEngine,
  truth: EnergyTruth,
  nowMs: number,
): string[] {
  const diffs: string[] = [];
  const check = (
    path: string,
    expected: { energyMwh: number; returnedEnergyMwh: number },
  ): void => {
    const node = engine.findNode(path.split("/"));
    const view = node === undefined ? undefined : engine.view(node, nowMs);
    const energy = view?.energyMwh ?? 0;
    const returned = view?.returnedEnergyMwh ?? 0;
    if (energy !== expected.energyMwh || returned !== expected.returnedEnergyMwh) {
      diffs.push(
        `${path}: engine ${energy}/${returned} mWh, truth ${expected.energyMwh}/${expected.returnedEnergyMwh} mWh`,
      );
    }
  };
  check(truth.company, truth);
  for (const [path, totals] of Object.entries(truth.offices)) check(path, totals);
  for (const [path, totals] of Object.entries(truth.rooms)) check(path, totals);
  for (const [path, totals] of Object.entries(truth.devices)) check(path, totals);
  return diffs;
}

/** All messages of a run: start, `hours` of simulated time in steps, settle. */
export function collect(
  fleet: { step(ms: number): SimMessage[]; settle(): SimMessage[] },
  hours: number,
  stepMs = 60_000,
): SimMessage[] {
  const all: SimMessage[] = [];
  const steps = Math.round((hours * 3_600_000) / stepMs);
  for (let i = 0; i <= steps; i++) for (const m of fleet.step(i === 0 ? 0 : stepMs)) all.push(m);
  for (const m of fleet.settle()) all.push(m);
  return all;
}
