import type { EnergyEngine, NodeId } from "@coreflux/hierarchy";
import { LEVELS } from "../output/build-payload";

/** One node of `GET /api/nodes`: the numbers of its MQTT payload, in Wh and W. */
export interface ApiNode {
  /** Below the company: `""` is the company, `"Porto/Kitchen"` a room. */
  path: string;
  name: string;
  level: (typeof LEVELS)[number];
  energyWh: number;
  returnedEnergyWh: number;
  powerW: number;
  energyThisHourWh: number;
  energyTodayWh: number;
  energyThisMonthWh: number;
  /** Devices below (a device: itself) by state. */
  state: { online: number; stale: number; offline: number };
  children: ApiNode[];
  /** Devices only: their metering channels. */
  channels?: { id: string; powerW: number; energyWh: number; state: string }[];
}

/** The document of `GET /api/nodes` and of each SSE `nodes` event. */
export interface ApiNodes {
  company: string;
  tsMs: number;
  timeZone: string;
  brokerConnected: boolean;
  history: boolean;
  root: ApiNode | null;
}

const wh = (mwh: number) => mwh / 1000;

/** The tree at `nowMs`, with the numbers the MQTT payloads of the same cycle carry. */
export function apiNodes(
  engine: EnergyEngine,
  nowMs: number,
  context: { company: string; brokerConnected: boolean; history: boolean },
): ApiNodes {
  const roots = engine.roots();
  return {
    company: context.company,
    tsMs: nowMs,
    timeZone: engine.timeZone,
    brokerConnected: context.brokerConnected,
    history: context.history,
    root: roots.length === 0 ? null : node(engine, roots[0]!, nowMs),
  };
}

function node(engine: EnergyEngine, id: NodeId, nowMs: number): ApiNode {
  const v = engine.view(id, nowMs);
  const out: ApiNode = {
    path: v.path.slice(1).join("/"),
    name: v.name,
    level: LEVELS[Math.min(v.depth, 3)]!,
    energyWh: wh(v.energyMwh),
    returnedEnergyWh: wh(v.returnedEnergyMwh),
    powerW: v.powerW,
    energyThisHourWh: wh(v.energyThisHourMwh),
    energyTodayWh: wh(v.energyTodayMwh),
    energyThisMonthWh: wh(v.energyThisMonthMwh),
    state: { ...v.devices },
    children: v.isDevice ? [] : engine.children(id).map((c) => node(engine, c, nowMs)),
  };
  if (v.isDevice) {
    out.channels = engine
      .metersOf(id)
      .map((m) => engine.meterView(m))
      .sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0))
      .map((m) => ({ id: m.meterId, powerW: m.powerW, energyWh: wh(m.energyMwh), state: m.state }));
  }
  return out;
}
