import type { GroupFields } from "../output/payload-schema";
import type { PeriodKeys } from "./local-periods";

/** A node's values as integers: energies in mWh, power in mW, counts. */
export interface NodeSums {
  totalMwh: number;
  returnedMwh: number;
  hourMwh: number;
  todayMwh: number;
  monthMwh: number;
  /** Power of the fresh sources below, integer mW (so that sums are exact too). */
  powerMw: number;
  meters: { online: number; stale: number; offline: number };
  devices: { online: number; stale: number; offline: number };
  /** Latest `LastUpdateUnixTimestamp` below, seconds, or null. */
  lastUpdateTsS: number | null;
}

/** Nothing: the sum of no nodes. */
export function emptySums(): NodeSums {
  return {
    totalMwh: 0,
    returnedMwh: 0,
    hourMwh: 0,
    todayMwh: 0,
    monthMwh: 0,
    powerMw: 0,
    meters: { online: 0, stale: 0, offline: 0 },
    devices: { online: 0, stale: 0, offline: 0 },
    lastUpdateTsS: null,
  };
}

/**
 * Σ over `children`, field by field, in integers: a parent is exactly the sum of its children
 * (no float rounding can make them disagree by a mWh).
 */
export function sumNodes(children: readonly NodeSums[]): NodeSums {
  const out = emptySums();
  for (const c of children) {
    out.totalMwh += c.totalMwh;
    out.returnedMwh += c.returnedMwh;
    out.hourMwh += c.hourMwh;
    out.todayMwh += c.todayMwh;
    out.monthMwh += c.monthMwh;
    out.powerMw += c.powerMw;
    for (const k of ["online", "stale", "offline"] as const) {
      out.meters[k] += c.meters[k];
      out.devices[k] += c.devices[k];
    }
    if (
      c.lastUpdateTsS !== null &&
      (out.lastUpdateTsS === null || c.lastUpdateTsS > out.lastUpdateTsS)
    ) {
      out.lastUpdateTsS = c.lastUpdateTsS;
    }
  }
  return out;
}

/** What one held source contributes now. */
export interface SourceContribution {
  /** Held lifetime totals (never lower than before), mWh. */
  totalMwh: number;
  returnedMwh: number;
  /** The source's last accepted payload, integers. */
  tsS: number;
  powerW: number;
  hourMwh: number;
  todayMwh: number;
  monthMwh: number;
  meters: NodeSums["meters"];
  devices: NodeSums["devices"];
  lastUpdateTsS: number | null;
}

/**
 * A source's sums now: its hour/day/month energy only while its `UnixTimestamp` is in the
 * current local hour/day/month (`sourcePeriods` vs `nowPeriods`), else 0 (the partition has
 * not said anything about this period yet); its power only when `fresh`.
 */
export function sourceSums(
  source: SourceContribution,
  sourcePeriods: PeriodKeys,
  nowPeriods: PeriodKeys,
  fresh: boolean,
): NodeSums {
  return {
    totalMwh: source.totalMwh,
    returnedMwh: source.returnedMwh,
    hourMwh: sourcePeriods.hour === nowPeriods.hour ? source.hourMwh : 0,
    todayMwh: sourcePeriods.day === nowPeriods.day ? source.todayMwh : 0,
    monthMwh: sourcePeriods.month === nowPeriods.month ? source.monthMwh : 0,
    powerMw: fresh ? Math.round(source.powerW * 1000) : 0,
    meters: { ...source.meters },
    devices: { ...source.devices },
    lastUpdateTsS: source.lastUpdateTsS,
  };
}

/** The published group fields of a node (the device aggregator's `GroupFields`, same shape). */
export function toGroupFields(
  name: string,
  topic: string,
  sums: NodeSums,
  nowMs: number,
): GroupFields {
  return {
    Name: name,
    Topic: topic,
    UnixTimestamp: Math.floor(nowMs / 1000),
    PowerW: sums.powerMw / 1000,
    EnergyThisHourWh: sums.hourMwh / 1000,
    EnergyTodayWh: sums.todayMwh / 1000,
    EnergyThisMonthWh: sums.monthMwh / 1000,
    ReturnedEnergyWh: sums.returnedMwh / 1000,
    MetersOnline: sums.meters.online,
    MetersStale: sums.meters.stale,
    MetersOffline: sums.meters.offline,
    LastUpdateUnixTimestamp: sums.lastUpdateTsS,
    TotalEnergy: sums.totalMwh / 1000,
    DevicesOnline: sums.devices.online,
    DevicesStale: sums.devices.stale,
    DevicesOffline: sums.devices.offline,
  };
}
