/** Index of a node (company, office, room, device, or any level) in an engine. Stable. */
export type NodeId = number;

/** Index of a meter (one metering channel of a device, e.g. `switch:2`) in an engine. Stable. */
export type MeterHandle = number;

/**
 * One reading of a meter. Every field but `tsMs` is optional: a Shelly NotifyStatus may carry
 * only power, or only the counter.
 */
export interface MeterReading {
  /**
   * When the reading arrived, Unix ms, on the caller's clock (the one given to
   * `takeChanges`). Freshness uses it; so do the accounting rules when the device gives no
   * trusted time of its own.
   */
  tsMs: number;
  /**
   * The device's own time of the reading, Unix ms (Shelly NotifyStatus `params.ts`). Trusted
   * when after 2020 and at most `maxClockSkewMs` ahead of `tsMs`: it then orders the meter's
   * readings, measures the time between them and places their energy in hours and days.
   */
  deviceTsMs?: number | undefined;
  /** Cumulative active-energy counter, Wh (>= 0). Never summed raw: only its increases count. */
  energyWh?: number | undefined;
  /** Cumulative returned-energy counter (export), Wh (>= 0). */
  returnedEnergyWh?: number | undefined;
  /** Instantaneous active power, W (signed: negative while exporting). */
  powerW?: number | undefined;
  /**
   * For a meter that sums phases (a Pro 3EM's `em:0`): the power of its importing phases and of
   * its exporting phases, W (both >= 0, both or neither). One phase can export while the others
   * import, so the signed `powerW` alone understates how fast each counter can move. Used only
   * with `powerW`; without them the sign of `powerW` gives the direction.
   */
  importPowerW?: number | undefined;
  exportPowerW?: number | undefined;
}

/**
 * What a reading did to its meter's active-energy counter (or to its returned-energy counter
 * when the reading carries only that):
 * - `reference`: the meter's first counter value; it is the reference, nothing is counted.
 * - `accepted`: an increase was counted.
 * - `duplicate`: the same counter value again; nothing changed.
 * - `power`: the reading carried no counter (power only).
 * - `over-limit`: an increase beyond what the meter's rating allows that its own reported power
 *   explains: counted (the rating, or the `maxPowerWFor` override, is too low for this meter).
 * - `jitter`: a tiny decrease (rounding of a restored value, re-ordering); ignored.
 * - `backward`: by the device's own clock, a reading older than the counter's reference (a
 *   delayed or re-delivered copy, maybe from before a restart); ignored.
 * - `reset-suspected`: a decrease, held back until the next reading tells a glitch or a late copy
 *   (the counter comes back) from a restart or a new level (it grows from the low value).
 * - `reset`: a restart from zero was confirmed; a new epoch began, everything the counter shows
 *   was consumed since, and nothing was subtracted.
 * - `glitch`: the held-back outlier before this reading was a glitch and is discarded (or the
 *   counter came back after a false restart: only its real growth is counted); this reading was
 *   applied normally.
 * - `spike-rejected`: an increase the meter's reported power (or, without power, its limit) does
 *   not explain; held back until the next reading.
 * - `rebased`: a held-back reading was confirmed as a new counter level (a counter restored to an
 *   older value, a replaced device, a jump beyond the meter's limit that persists): the level is
 *   not counted, consumption after it is.
 */
export type IngestOutcome =
  | "reference"
  | "accepted"
  | "over-limit"
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
  /**
   * The meter's limit, W: its `maxPowerWFor` override, else its rating (`setRatedPower`), else
   * the engine's `maxPowerW`.
   */
  maxPowerW: number;
  /** Where {@link maxPowerW} comes from. */
  maxPowerSource: "override" | "rating" | "default";
  /** The limit in force: {@link maxPowerW}, raised to 1.25 × the power the meter sustained above it. */
  effectiveMaxPowerW: number;
  /** A counter value held back, waiting for the next reading: a drop or an unexplained rise. */
  held: "drop" | "rise" | undefined;
}

/**
 * Energy credited to one device in one UTC slot (`EngineOptions.creditSlotMinutes`), integer mWh.
 * Every credit is split between the slots its interval covers, closed ones included, so the
 * pieces of a device add up exactly to its lifetime totals.
 */
export interface CreditPiece {
  /** The device node. */
  device: NodeId;
  /** Start of the slot, Unix ms (a multiple of the slot width). */
  slotStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
}
