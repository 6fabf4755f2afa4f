import { expect } from "vitest";
import {
  EnergyEngine,
  type EngineOptions,
  type MeterReading,
  type NodeId,
  type NodeView,
} from "../src/index";

/** 2026-06-11 10:00:00 UTC, a plain summer weekday. */
export const T0 = Date.UTC(2026, 5, 11, 10, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** An engine with one meter per device path given, plus a helper to feed readings. */
export function setup(options: EngineOptions = {}) {
  const engine = new EnergyEngine(options);
  const meter = (path: string, meterId = "switch:0") => {
    const found = engine.meter(path.split("/"), meterId);
    if (!found.ok) throw new Error(`meter refused: ${found.reason}`);
    return found.meter;
  };
  const feed = (handle: number, readings: readonly MeterReading[]) =>
    readings.map((r) => engine.ingest(handle, r));
  const node = (path: string) => {
    const id = engine.findNode(path.split("/"));
    if (id === undefined) throw new Error(`no node ${path}`);
    return id;
  };
  const energyMwh = (path: string) => engine.view(node(path), T0).energyMwh;
  return { engine, meter, feed, node, energyMwh };
}

/** Asserts that every group's totals equal the sum of its children's, at `nowMs`. */
export function expectSumsHold(engine: EnergyEngine, nowMs: number): void {
  const fields = [
    (v: NodeView) => v.energyMwh,
    (v: NodeView) => v.returnedEnergyMwh,
    (v: NodeView) => v.energyThisHourMwh,
    (v: NodeView) => v.energyTodayMwh,
    (v: NodeView) => v.energyThisMonthMwh,
    (v: NodeView) => Math.round(v.powerW * 1000),
    (v: NodeView) => v.meters.online,
    (v: NodeView) => v.meters.stale,
    (v: NodeView) => v.meters.offline,
    (v: NodeView) => v.devices.online,
    (v: NodeView) => v.devices.stale,
    (v: NodeView) => v.devices.offline,
  ];
  const visit = (id: NodeId): void => {
    const children = engine.children(id);
    if (children.length === 0) return;
    const parent = engine.view(id, nowMs);
    const views = children.map((c) => engine.view(c, nowMs));
    for (const pick of fields) {
      const sum = views.reduce((a, v) => a + pick(v), 0);
      // Plain comparison first: expect() per field and node is too slow for property runs.
      if (pick(parent) !== sum)
        expect({ node: parent.path.join("/"), field: pick.toString() }).toEqual({
          sum,
          value: pick(parent),
        });
    }
    for (const c of children) visit(c);
  };
  for (const root of engine.roots()) visit(root);
}
