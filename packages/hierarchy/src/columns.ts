import { CounterTracker } from "./counter-tracker";
import {
  type AnyGrowable,
  ensureAll,
  GrowableFloat64,
  GrowableInt32,
  GrowableUint8,
  GrowableUint32,
  GrowthPlan,
} from "./growable";
import { MeterEvidence } from "./meter-evidence";
import type { ResolvedOptions } from "./options";

/** Meter states. A meter is online while fresh, stale when silent, offline when its device is. */
export const MeterState = { stale: 0, online: 1, offline: 2 } as const;

/** Device availability from `online` messages. */
export const Availability = { unknown: 0, online: 1, offline: 2 } as const;

/** Where a meter's limit comes from (the values are part of the snapshot format). */
export const LimitSource = { default: 0, rating: 1, override: 2 } as const;

/** Marks a bucket key that has never been set (real keys are whole-second instants >= 0). */
export const NO_PERIOD = -1;

/**
 * A table's growth preparation starts once it is this full: early enough that a fleet being
 * discovered at thousands of devices a second finds the grown storage resident (at 100,000
 * meters the last eighth before a doubling is 8,000 meters, the 1 MB slices take well under a
 * second), late enough that a table which stopped growing seldom holds its next growth's memory
 * for nothing. At three quarters the 13,623 meters of the 10,000-device benchmark fleet (83 % of
 * 16,384) held 17 MB they never used.
 */
const PREPARE_GROWTH_FILL = 0.875;

/**
 * A table's capacity and the preparation of its next growth (the node and the meter tables
 * each have one). Growth goes into a {@link GrowthPlan}'s storage when one is ready, by
 * doubling otherwise.
 */
class TableGrowth {
  /** Rows the columns hold. */
  capacity = 0;
  private plan: GrowthPlan | undefined;
  /** The count at the previous {@link prepare} (-1: none yet). */
  private preparedAtCount = -1;

  /** Grows `columns` to hold `count` rows at once (one growth instead of many). */
  reserve(columns: readonly AnyGrowable[], count: number): void {
    if (count <= this.capacity) return;
    const plan = this.plan;
    this.plan = undefined;
    if (plan !== undefined && plan.capacity >= count && plan.apply()) {
      this.capacity = plan.capacity;
      // Columns the plan did not cover (none, unless one grew on its own) grow the usual way.
      ensureAll(columns, this.capacity - 1);
      return;
    }
    this.capacity = Math.max(16, count, this.capacity * 2);
    ensureAll(columns, this.capacity - 1);
  }

  /**
   * Once the table is {@link PREPARE_GROWTH_FILL} full and grew since the previous call, makes
   * up to `maxBytes` more of its next growth's storage resident (a plan to twice the capacity);
   * a plan once started is finished. A table that does not grow (a restored engine is exactly
   * full) never holds a second copy's memory for nothing. True while some remains.
   */
  prepare(columns: readonly AnyGrowable[], count: number, maxBytes: number): boolean {
    const growing = this.preparedAtCount >= 0 && count > this.preparedAtCount;
    this.preparedAtCount = count;
    const started = this.plan !== undefined && this.plan.capacity > this.capacity;
    if (!started) {
      this.plan = undefined;
      if (!growing || this.capacity === 0 || count < this.capacity * PREPARE_GROWTH_FILL)
        return false;
      this.plan = new GrowthPlan(columns, this.capacity * 2);
    }
    return this.plan!.touch(maxBytes);
  }
}

/**
 * Per-node columns. A node is either a group (has child nodes) or a device (has meters); a
 * device's totals are the sum of its meters, a group's the sum of its children.
 */
export class NodeColumns {
  readonly name: string[] = [];
  /** Child index by name, for groups; undefined for devices and new nodes. */
  readonly childByName: (Map<string, number> | undefined)[] = [];
  readonly parent = new GrowableInt32(-1);
  readonly depth = new GrowableUint8();
  /** 1 for a device (has meters), 0 for a group (has child nodes). */
  readonly isDevice = new GrowableUint8();
  /** Devices only: the state counted in the `devices*` columns (0 stale, 1 online, 2 offline). */
  readonly deviceState = new GrowableUint8();
  /** First meter of a device (-1 for groups and devices without meters). */
  readonly firstMeter = new GrowableInt32(-1);
  readonly energyMwh = new GrowableFloat64();
  readonly returnedMwh = new GrowableFloat64();
  readonly hourKey = new GrowableFloat64(NO_PERIOD);
  readonly hourMwh = new GrowableFloat64();
  readonly dayKey = new GrowableFloat64(NO_PERIOD);
  readonly dayMwh = new GrowableFloat64();
  readonly monthKey = new GrowableFloat64(NO_PERIOD);
  readonly monthMwh = new GrowableFloat64();
  /** Sum of the latest power of the online meters below, in integer mW (exact sums). */
  readonly powerMw = new GrowableFloat64();
  /** Time of the last reading below that changed energy or power (NaN: never). */
  readonly lastUpdateTsMs = new GrowableFloat64(Number.NaN);
  readonly metersOnline = new GrowableUint32();
  readonly metersStale = new GrowableUint32();
  readonly metersOffline = new GrowableUint32();
  readonly devicesOnline = new GrowableUint32();
  readonly devicesStale = new GrowableUint32();
  readonly devicesOffline = new GrowableUint32();
  /** Devices only: availability from `online` messages. */
  readonly availability = new GrowableUint8();
  /** Devices only: meters that are not stale. */
  readonly freshMeters = new GrowableUint32();
  /** Devices only: when the device last booted, from its uptime (NaN: unknown). */
  readonly bootTsMs = new GrowableFloat64(Number.NaN);
  /** 1 while the node is in the change list. */
  readonly dirty = new GrowableUint8();
  /**
   * Devices only: effects of readings not yet carried to the device and its ancestors. The hot
   * path adds to these (one node's worth of work per reading); `flush` propagates them up the
   * tree before anything is read. Period pieces follow the same keyed rule as node periods, so
   * propagating late gives exactly the same totals as propagating at once.
   */
  readonly queued = new GrowableUint8();
  readonly queuedEnergyMwh = new GrowableFloat64();
  readonly queuedReturnedMwh = new GrowableFloat64();
  readonly queuedPowerMw = new GrowableFloat64();
  readonly queuedHourKey = new GrowableFloat64(NO_PERIOD);
  readonly queuedHourMwh = new GrowableFloat64();
  readonly queuedDayKey = new GrowableFloat64(NO_PERIOD);
  readonly queuedDayMwh = new GrowableFloat64();
  readonly queuedMonthKey = new GrowableFloat64(NO_PERIOD);
  readonly queuedMonthMwh = new GrowableFloat64();
  readonly queuedLastUpdateTsMs = new GrowableFloat64(Number.NEGATIVE_INFINITY);

  get count(): number {
    return this.name.length;
  }

  private readonly growth = new TableGrowth();

  /** Makes room for `count` nodes at once (one growth instead of many). */
  reserve(count: number): void {
    this.growth.reserve(this.columns(), count);
  }

  /** See `TableGrowth.prepare`: the next growth made resident ahead, a slice a call. */
  prepareGrowth(maxBytes: number): boolean {
    return this.growth.prepare(this.columns(), this.count, maxBytes);
  }

  private columns() {
    return [
      this.parent,
      this.depth,
      this.isDevice,
      this.deviceState,
      this.firstMeter,
      this.energyMwh,
      this.returnedMwh,
      this.hourKey,
      this.hourMwh,
      this.dayKey,
      this.dayMwh,
      this.monthKey,
      this.monthMwh,
      this.powerMw,
      this.lastUpdateTsMs,
      this.metersOnline,
      this.metersStale,
      this.metersOffline,
      this.devicesOnline,
      this.devicesStale,
      this.devicesOffline,
      this.availability,
      this.freshMeters,
      this.bootTsMs,
      this.dirty,
      this.queued,
      this.queuedEnergyMwh,
      this.queuedReturnedMwh,
      this.queuedPowerMw,
      this.queuedHourKey,
      this.queuedHourMwh,
      this.queuedDayKey,
      this.queuedDayMwh,
      this.queuedMonthKey,
      this.queuedMonthMwh,
      this.queuedLastUpdateTsMs,
    ];
  }

  /** Appends a node; returns its index. */
  add(name: string, parent: number): number {
    const index = this.name.length;
    if (index >= this.growth.capacity) this.reserve(index + 1);
    this.name.push(name);
    this.childByName.push(undefined);
    this.parent.data[index] = parent;
    this.depth.data[index] = parent < 0 ? 0 : this.depth.data[parent]! + 1;
    return index;
  }
}

/** Per-meter columns: identity, accounting state of both counters, power and freshness. */
export class MeterColumns {
  readonly meterId: string[] = [];
  readonly device = new GrowableInt32(-1);
  /** Next meter of the same device (-1: last). */
  readonly nextInDevice = new GrowableInt32(-1);
  /** The meter's limit, W, and where it comes from ({@link LimitSource}). */
  readonly maxPowerW = new GrowableFloat64();
  readonly limitSource = new GrowableUint8();
  readonly energyMwh = new GrowableFloat64();
  readonly returnedMwh = new GrowableFloat64();
  /** Latest power in integer mW. */
  readonly powerMw = new GrowableFloat64();
  readonly lastSeenTsMs = new GrowableFloat64(Number.NEGATIVE_INFINITY);
  readonly state = new GrowableUint8();
  /**
   * The freshness list holds online meters ordered by `listKeyMs`, the last-seen time when the
   * meter was (re)inserted. Readings only update `lastSeenTsMs`; the sweep re-queues meters it
   * finds fresher than their key, so a reading costs no list surgery.
   */
  readonly listKeyMs = new GrowableFloat64();
  /** Neighbours in the freshness list (-1: none). */
  readonly prev = new GrowableInt32(-1);
  readonly next = new GrowableInt32(-1);
  /** Active-energy counter. */
  readonly active: CounterTracker;
  /** Returned-energy counter (export, PV feed-in). */
  readonly returned: CounterTracker;
  /** What the meter's own reports say (power, clock). */
  readonly evidence = new MeterEvidence();

  constructor(options: ResolvedOptions) {
    this.active = new CounterTracker(options);
    this.returned = new CounterTracker(options);
  }

  get count(): number {
    return this.meterId.length;
  }

  private readonly growth = new TableGrowth();

  /** Makes room for `count` meters at once. */
  reserve(count: number): void {
    this.growth.reserve(this.columns(), count);
  }

  /** See `TableGrowth.prepare`: the next growth made resident ahead, a slice a call. */
  prepareGrowth(maxBytes: number): boolean {
    return this.growth.prepare(this.columns(), this.count, maxBytes);
  }

  private columns(): AnyGrowable[] {
    return [
      this.device,
      this.nextInDevice,
      this.maxPowerW,
      this.limitSource,
      this.energyMwh,
      this.returnedMwh,
      this.powerMw,
      this.lastSeenTsMs,
      this.state,
      this.listKeyMs,
      this.prev,
      this.next,
      ...this.active.columns(),
      ...this.returned.columns(),
      ...this.evidence.columns(),
    ];
  }

  /** Appends a meter of `device`; returns its index. */
  add(meterId: string, device: number, maxPowerW: number, limitSource: number): number {
    const index = this.meterId.length;
    if (index >= this.growth.capacity) this.reserve(index + 1);
    this.meterId.push(meterId);
    this.device.data[index] = device;
    this.maxPowerW.data[index] = maxPowerW;
    this.limitSource.data[index] = limitSource;
    return index;
  }
}
