/** Index of a node (company, office, room, device, or any level) in an engine. Stable. */
export type NodeId = number;

/** Index of a meter (one metering channel of a device, e.g. `switch:2`) in an engine. Stable. */
export type MeterHandle = number;

/**
 * One reading of a meter. Every field but `tsMs` is optional: a Shelly NotifyStatus may carry
 * only power, or only the counter.
 */
export interface MeterReading {
  /** When the reading was taken or received, Unix ms. Buckets and freshness use it. */
  tsMs: number;
  /** Cumulative active-energy counter, Wh (>= 0). Never summed raw: only its increases count. */
  energyWh?: number | undefined;
  /** Cumulative returned-energy counter (export), Wh (>= 0). */
  returnedEnergyWh?: number | undefined;
  /** Instantaneous active power, W (signed: negative while exporting). */
  powerW?: number | undefined;
}

/**
 * What a reading did to its meter's active-energy counter (or to its returned-energy counter
 * when the reading carries only that):
 * - `reference`: the meter's first counter value; it is the reference, nothing is counted.
 * - `accepted`: an increase was counted.
 * - `duplicate`: the same counter value again; nothing changed.
 * - `power`: the reading carried no counter (power only).
 * - `jitter`: a tiny decrease (rounding of a restored value, re-ordering); ignored.
 * - `backward`: a larger decrease that is not a drop to near zero (a stale, re-delivered
 *   value); ignored, never a reset.
 * - `reset-suspected`: a drop to near zero, held back until the next reading tells a glitch
 *   from a reset.
 * - `reset`: a counter reset was confirmed; a new epoch began, consumption since the reset
 *   was counted and nothing was subtracted.
 * - `glitch`: the held-back outlier before this reading was a glitch and is discarded; this
 *   reading was applied normally.
 * - `spike-rejected`: an increase implying more than the meter's maximum power; held back.
 * - `rebased`: a held-back jump was confirmed by the next reading; the jump is not counted,
 *   consumption after it is.
 */
export type IngestOutcome =
  | "reference"
  | "accepted"
  | "duplicate"
  | "power"
  | "jitter"
  | "backward"
  | "reset-suspected"
  | "reset"
  | "glitch"
  | "spike-rejected"
  | "rebased";

/** Why {@link EnergyEngine.meter} refused to track a meter. */
export type MeterRefusal =
  /** `maxMeters` meters are already tracked. */
  | "limit"
  /** The path is empty, has an empty segment, or the meter id is empty. */
  | "invalid-path"
  /** The path runs through a device, or names a group as a device. */
  | "path-conflict";

/** Result of {@link EnergyEngine.meter}. */
export type MeterLookup =
  | {
      ok: true;
      meter: MeterHandle;
      /** The meter was created by this call. */
      created: boolean;
      /** Nodes created by this call, top-down (empty when the path was known). */
      discovered: NodeId[];
    }
  | { ok: false; reason: MeterRefusal };

/** Counts of meters or devices by state. */
export interface StateCounts {
  online: number;
  stale: number;
  offline: number;
}

/** Everything one node knows, at a given time. Energies are integer mWh. */
export interface NodeView {
  id: NodeId;
  name: string;
  /** Names from the root down to this node. */
  path: string[];
  /** 0 for a root (a company). */
  depth: number;
  parentId: NodeId | undefined;
  /** True for a device (has meters), false for a group (has child nodes). */
  isDevice: boolean;
  /** Active energy since the node was first seen, integer mWh. Never decreases. */
  energyMwh: number;
  /** Returned (exported) energy since first seen, integer mWh. */
  returnedEnergyMwh: number;
  /** Active energy in the current local hour / day / month, integer mWh. */
  energyThisHourMwh: number;
  energyTodayMwh: number;
  energyThisMonthMwh: number;
  /** Sum of the latest power of the online meters below, W (3 decimals, exact sum of mW). */
  powerW: number;
  meters: StateCounts;
  devices: StateCounts;
  /** Last reading below that changed energy or power, Unix ms; undefined if none yet. */
  lastUpdateTsMs: number | undefined;
}

/** One meter's state. */
export interface MeterView {
  handle: MeterHandle;
  deviceId: NodeId;
  meterId: string;
  energyMwh: number;
  returnedEnergyMwh: number;
  /** Latest power, W. */
  powerW: number;
  state: "online" | "stale" | "offline";
  /** Last reading, Unix ms; undefined before the first. */
  lastSeenTsMs: number | undefined;
  /** Counter resets and re-bases so far. */
  epoch: number;
  /** The current reference counter value, Wh; undefined before the first reading. */
  referenceWh: number | undefined;
  /** The highest power this meter may plausibly draw, W. */
  maxPowerW: number;
}
