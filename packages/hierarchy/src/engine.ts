import { CaptureInProgress, type CaptureSource, type EngineCapture } from "./capture";
import {
  Availability,
  LimitSource,
  MeterColumns,
  MeterState,
  NO_PERIOD,
  NodeColumns,
} from "./columns";
import { ReadingEvidence } from "./counter-tracker";
import { CreditLog } from "./credit-log";
import { HierarchyError } from "./errors";
import { COUNTER_ACTIVE, COUNTER_RETURNED, MIN_DEVICE_TS_MS } from "./meter-evidence";
import { type EngineOptions, type ResolvedOptions, resolveOptions } from "./options";
import { PeriodSplitter } from "./period-split";
import {
  CorruptSnapshot,
  type DecodedSnapshot,
  decodeSnapshot,
  type EngineSnapshot,
  encodeSnapshot,
  type RestoreResult,
} from "./snapshot";
import type {
  CreditPiece,
  IngestOutcome,
  MeterHandle,
  MeterLookup,
  MeterReading,
  MeterView,
  NodeId,
  NodeView,
  StateCounts,
} from "./types";

const OUTCOME_NAMES: readonly IngestOutcome[] = [
  "reference",
  "accepted",
  "duplicate",
  "jitter",
  "backward",
  "reset-suspected",
  "reset",
  "glitch",
  "spike-rejected",
  "rebased",
  "over-limit",
];

/** Device states as counted in `devices*` columns. */
const DeviceState = { stale: 0, online: 1, offline: 2 } as const;

/** Largest counter accepted, Wh: 9 TWh keeps integer mWh exact in a double. */
const MAX_COUNTER_WH = 9e12;

/**
 * The energy-accounting engine: meter readings in, exact totals per node out.
 *
 * Pure and synchronous: no I/O, no timers, no clock — every time is passed in. Meters hang
 * off device nodes; a device's totals are the sum of its meters and every group's totals are
 * the sum of its children, exactly, because energy is kept in integer mWh.
 *
 * ```ts
 * const engine = createEnergyEngine({ timeZone: "Europe/Lisbon" });
 * const found = engine.meter(["Coreflux", "Porto", "MeetingRoom", "Light1"], "switch:0");
 * if (found.ok) engine.ingest(found.meter, { tsMs: Date.now(), energyWh: 1203.554, powerW: 42.7 });
 * ```
 */
export class EnergyEngine {
  private readonly options: ResolvedOptions;
  private readonly nodes: NodeColumns;
  private readonly meters: MeterColumns;
  private readonly rootByName = new Map<string, number>();
  private readonly changed: number[] = [];
  /** Devices with queued effects (see `NodeColumns.queued`). */
  private readonly queuedDevices: number[] = [];
  private freshHead = -1;
  private freshTail = -1;
  /** The capture being taken in slices, told before a meter changes (see {@link beginCapture}). */
  private capturing: CaptureInProgress | undefined;
  /**
   * "Now" as readings and the caller's clock tell it: the latest believed arrival or
   * `takeChanges` time (never beyond the caller's clock plus the allowed skew).
   */
  private latestTsMs = Number.NEGATIVE_INFINITY;
  /**
   * The caller's clock: the `nowMs` of the latest `takeChanges`, moved on by believed arrivals
   * (-Infinity before the first `takeChanges`).
   */
  private clockMs = Number.NEGATIVE_INFINITY;
  private lastChangeHourKey = NO_PERIOD;
  /** Filled for each reading and handed to the counter rules (no allocation per reading). */
  private readonly reading = new ReadingEvidence();
  private readonly splitter: PeriodSplitter;
  private readonly creditLog: CreditLog | undefined;
  /** The device whose credit the splitter is recording (see `recordActive`). */
  private creditDevice = -1;
  private readonly recordActive = (slotStartMs: number, energyMwh: number): void => {
    this.creditLog!.add(this.creditDevice, slotStartMs, energyMwh, 0);
  };
  private readonly recordReturned = (slotStartMs: number, energyMwh: number): void => {
    this.creditLog!.add(this.creditDevice, slotStartMs, 0, energyMwh);
  };

  constructor(options: EngineOptions = {}) {
    this.options = resolveOptions(options);
    this.nodes = new NodeColumns();
    this.meters = new MeterColumns(this.options);
    this.splitter = new PeriodSplitter(this.options.calendar, this.options.creditSlotMs);
    this.creditLog =
      this.options.creditSlotMs > 0 ? new CreditLog(this.options.creditSlotMs) : undefined;
  }

  /**
   * Restores an engine from {@link snapshot}'s output. Untrusted input: never throws for a bad
   * snapshot, returns a typed error instead (a wrong `options` value still throws).
   */
  static restore(snapshot: unknown, options: EngineOptions = {}): RestoreResult<EnergyEngine> {
    const engine = new EnergyEngine(options);
    const decoded = decodeSnapshot(snapshot);
    if (!decoded.ok) return decoded;
    try {
      engine.load(decoded.value);
    } catch (error) {
      if (!(error instanceof CorruptSnapshot)) throw error;
      return { ok: false, error: { code: "CORRUPT_SNAPSHOT", message: error.message } };
    }
    const warnings: string[] = [];
    if (decoded.value.timeZone !== engine.options.calendar.timeZone) {
      warnings.push(
        `snapshot periods were kept in ${decoded.value.timeZone}, the engine now uses ` +
          `${engine.options.calendar.timeZone}: hour/day/month totals restart at the next reading`,
      );
    }
    return { ok: true, engine, warnings };
  }

  /** Number of nodes (all levels). */
  get nodeCount(): number {
    return this.nodes.count;
  }

  /** Number of meters. */
  get meterCount(): number {
    return this.meters.count;
  }

  /** The time zone of the hour/day/month periods. */
  get timeZone(): string {
    return this.options.calendar.timeZone;
  }

  /**
   * Finds or creates the meter `meterId` of the device at `path` (root first, device last),
   * creating missing nodes. Refuses, with a reason, when `maxMeters` is reached, when the path
   * is invalid, or when it conflicts with the tree (a device cannot have child nodes).
   */
  meter(path: readonly string[], meterId: string): MeterLookup {
    if (path.length === 0 || path.length > 255 || meterId === "")
      return { ok: false, reason: "invalid-path" };
    for (const segment of path) {
      if (typeof segment !== "string" || segment === "")
        return { ok: false, reason: "invalid-path" };
    }
    // Look up first, so that a refused meter creates no nodes.
    let node = -1;
    let depth = 0;
    for (; depth < path.length; depth++) {
      const next = this.child(node, path[depth]!);
      if (next === undefined) break;
      const last = depth === path.length - 1;
      if (!last && this.nodes.isDevice.data[next] === 1)
        return { ok: false, reason: "path-conflict" };
      if (last && this.nodes.isDevice.data[next] !== 1)
        return { ok: false, reason: "path-conflict" };
      node = next;
    }
    if (depth === path.length) {
      const existing = this.findMeterOf(node, meterId);
      if (existing >= 0) return { ok: true, meter: existing, created: false, discovered: [] };
    }
    if (this.meters.count >= this.options.maxMeters) return { ok: false, reason: "limit" };

    const discovered: NodeId[] = [];
    for (; depth < path.length; depth++) {
      node = this.addNode(path[depth]!, node, depth === path.length - 1);
      discovered.push(node);
    }
    const override = this.overrideFor(node, meterId);
    const meter = this.meters.add(
      meterId,
      node,
      override ?? this.options.maxPowerW,
      override === undefined ? LimitSource.default : LimitSource.override,
    );
    this.meters.nextInDevice.data[meter] = this.nodes.firstMeter.data[node]!;
    this.nodes.firstMeter.data[node] = meter;
    this.addCounts(node, "metersStale", 1);
    this.markChanged(node);
    return { ok: true, meter, created: true, discovered };
  }

  /**
   * Applies one reading to a meter and returns what it did (see {@link IngestOutcome}). Invalid
   * numbers (a negative or non-finite counter, a non-finite power) make the reading `invalid`:
   * nothing is applied. Throws {@link HierarchyError} only for a bad handle or a non-finite
   * `tsMs` (programming errors).
   */
  ingest(meter: MeterHandle, reading: MeterReading): IngestOutcome | "invalid" {
    return this.ingestValues(
      meter,
      reading.tsMs,
      reading.energyWh ?? Number.NaN,
      reading.powerW ?? Number.NaN,
      reading.returnedEnergyWh ?? Number.NaN,
      reading.deviceTsMs ?? Number.NaN,
      reading.importPowerW ?? Number.NaN,
      reading.exportPowerW ?? Number.NaN,
    );
  }

  /**
   * {@link ingest} without the reading object, for hot loops: pass `NaN` for a missing value.
   */
  ingestValues(
    meter: MeterHandle,
    tsMs: number,
    energyWh: number,
    powerW: number,
    returnedEnergyWh = Number.NaN,
    deviceTsMs = Number.NaN,
    importPowerW = Number.NaN,
    exportPowerW = Number.NaN,
  ): IngestOutcome | "invalid" {
    const m = this.meters;
    if (!(meter >= 0 && meter < m.count)) {
      throw new HierarchyError("INVALID_ARGUMENT", `unknown meter handle ${String(meter)}`);
    }
    if (!Number.isFinite(tsMs)) {
      throw new HierarchyError("INVALID_ARGUMENT", `tsMs must be finite, got ${String(tsMs)}`);
    }
    const hasEnergy = !Number.isNaN(energyWh);
    const hasReturned = !Number.isNaN(returnedEnergyWh);
    const hasPower = !Number.isNaN(powerW);
    if (
      (hasEnergy && !(energyWh >= 0 && energyWh <= MAX_COUNTER_WH)) ||
      (hasReturned && !(returnedEnergyWh >= 0 && returnedEnergyWh <= MAX_COUNTER_WH)) ||
      (hasPower && !Number.isFinite(powerW)) ||
      (!Number.isNaN(importPowerW) && !(importPowerW >= 0 && importPowerW < Infinity)) ||
      (!Number.isNaN(exportPowerW) && !(exportPowerW >= 0 && exportPowerW < Infinity))
    ) {
      return "invalid";
    }
    const device = m.device.data[meter]!;
    this.beforeDeviceWrite(device);
    const arrivalMs = tsMs;
    const clockedMs = this.clocked(tsMs);
    const evidence = m.evidence;
    // The reading's time: the device's clock when believable, else the arrival time moved by
    // the meter's last known clock offset (so one meter's readings stay on one clock).
    const timed =
      deviceTsMs >= MIN_DEVICE_TS_MS && deviceTsMs <= arrivalMs + this.options.maxClockSkewMs;
    let readingTsMs = arrivalMs;
    const offsetMs = evidence.clockOffsetMs.data[meter]!;
    if (timed) {
      readingTsMs = deviceTsMs;
      const newOffsetMs = deviceTsMs - arrivalMs;
      evidence.clockOffsetMs.data[meter] = newOffsetMs;
      // The meter's first device time: carry what was measured on arrival times over to the
      // device's clock. (Later changes of the offset are delays, not a new clock: a message
      // delivered an hour late is an hour old.)
      if (
        Number.isNaN(offsetMs) &&
        (newOffsetMs > this.options.maxClockSkewMs || newOffsetMs < -this.options.maxClockSkewMs)
      )
        this.shiftClock(meter, newOffsetMs);
    } else if (!Number.isNaN(offsetMs)) readingTsMs = arrivalMs + offsetMs;
    let changed = this.touch(meter, clockedMs);

    const ratedW = m.maxPowerW.data[meter]!;
    const oldPowerMw = m.powerMw.data[meter]!;

    // The power by direction: as given (a meter that sums phases), else by the sign of powerW.
    let importW = Number.NaN;
    let exportW = Number.NaN;
    if (hasPower) {
      const split = !Number.isNaN(importPowerW) && !Number.isNaN(exportPowerW);
      importW = split ? importPowerW : Math.max(powerW, 0);
      exportW = split ? exportPowerW : Math.max(-powerW, 0);
    }
    evidence.advance(meter, readingTsMs, importW, exportW, ratedW);
    if (evidence.importFlow) m.active.noteFlow(meter);
    if (evidence.exportFlow) m.returned.noteFlow(meter);
    if (evidence.allowanceMwh > 0) m.active.allow(meter, evidence.allowanceMwh);
    if (evidence.returnedAllowanceMwh > 0) m.returned.allow(meter, evidence.returnedAllowanceMwh);

    let powerDeltaMw = 0;
    if (hasPower) {
      // + 0: -0 W (a negative power rounded to nothing) is stored as 0.
      const mw = Math.round(powerW * 1000) + 0;
      if (mw !== oldPowerMw) {
        m.powerMw.data[meter] = mw;
        if (m.state.data[meter] === MeterState.online) powerDeltaMw = mw - oldPowerMw;
        changed = true;
      }
    }

    let outcome: IngestOutcome = "power";
    let creditMwh = 0;
    let creditFromMs = 0;
    let creditFromIntegralMwh = Number.NaN;
    let returnedMwh = 0;
    let returnedFromMs = 0;
    if (hasEnergy || hasReturned) {
      const ev = this.reading;
      ev.tsMs = readingTsMs;
      ev.timed = timed;
      // Power judges a reading by the device's clock, or by arrival times at least
      // `minElapsedMs` after the previous counter reading: closer ones may be a burst of queued
      // messages, or a sped-up simulation, whose arrival times say nothing about elapsed time.
      const arrivalSpanMs = evidence.counterArrival(
        meter,
        arrivalMs,
        (hasEnergy ? COUNTER_ACTIVE : 0) | (hasReturned ? COUNTER_RETURNED : 0),
      );
      ev.burstElapsedMs = timed ? 0 : arrivalMs - evidence.burstBaseTsMs.data[meter]!;
      ev.hasPower = evidence.hasPower.data[meter] === 1;
      ev.powerTsMs = evidence.powerTsMs.data[meter]!;
      ev.usable =
        ev.hasPower &&
        (timed || (Number.isNaN(offsetMs) && arrivalSpanMs >= this.options.minElapsedMs));
      ev.ratedW = ratedW;
      ev.limitW = evidence.limitW(meter, ratedW);
      ev.bootTsMs = this.nodes.bootTsMs.data[device]!;
      ev.integralMwh = evidence.integralMwh.data[meter]!;
      if (hasEnergy) {
        const tracker = m.active;
        ev.queued = !timed && (evidence.repeatedCounters & COUNTER_ACTIVE) !== 0;
        outcome = OUTCOME_NAMES[tracker.advance(meter, Math.round(energyWh * 1000), ev)]!;
        creditMwh = tracker.creditMwh;
        creditFromMs = tracker.creditFromMs;
        creditFromIntegralMwh = tracker.creditFromIntegralMwh;
      }
      if (hasReturned) {
        const tracker = m.returned;
        ev.queued = !timed && (evidence.repeatedCounters & COUNTER_RETURNED) !== 0;
        const code = tracker.advance(meter, Math.round(returnedEnergyWh * 1000), ev);
        if (!hasEnergy) outcome = OUTCOME_NAMES[code]!;
        returnedMwh = tracker.creditMwh;
        returnedFromMs = tracker.creditFromMs;
      }
    }

    if (creditMwh > 0 || returnedMwh > 0 || powerDeltaMw !== 0) {
      m.energyMwh.data[meter]! += creditMwh;
      m.returnedMwh.data[meter]! += returnedMwh;
      this.queue(
        device,
        meter,
        readingTsMs,
        clockedMs,
        creditMwh,
        creditFromMs,
        creditFromIntegralMwh,
        returnedMwh,
        returnedFromMs,
        powerDeltaMw,
      );
    } else if (changed) {
      this.markChanged(device);
    }
    return outcome;
  }

  /** Moves every time kept for a meter by `deltaMs` (its readings changed clock). */
  private shiftClock(meter: number, deltaMs: number): void {
    const m = this.meters;
    m.evidence.shiftClock(meter, deltaMs);
    m.active.shiftClock(meter, deltaMs);
    m.returned.shiftClock(meter, deltaMs);
  }

  /**
   * Sets a meter's rating: the highest power its model can meter, W (for a Shelly, from its
   * model; see `@coreflux/shelly-schema`'s `shellyModelRating`). It replaces the engine's
   * `maxPowerW` default for this meter; a `maxPowerWFor` override still wins. Throws
   * {@link HierarchyError} `INVALID_ARGUMENT` for a bad handle or a rating that is not > 0.
   */
  setRatedPower(meter: MeterHandle, ratedPowerW: number): void {
    this.checkMeter(meter);
    if (!(Number.isFinite(ratedPowerW) && ratedPowerW > 0)) {
      throw new HierarchyError(
        "INVALID_ARGUMENT",
        `ratedPowerW must be a finite number > 0, got ${String(ratedPowerW)}`,
      );
    }
    const m = this.meters;
    if (m.limitSource.data[meter] === LimitSource.override) return;
    this.beforeMeterWrite(meter);
    m.maxPowerW.data[meter] = ratedPowerW;
    m.limitSource.data[meter] = LimitSource.rating;
  }

  /**
   * The energy credited since the previous call, by device and UTC slot (each credit split
   * between the slots its interval covers, closed ones included), then forgets it. Needs the
   * `creditSlotMinutes` option (throws {@link HierarchyError} `INVALID_ARGUMENT` without it).
   * Call it every publish cycle: what is not taken is not part of a {@link snapshot}.
   */
  takeCredits(): CreditPiece[] {
    if (this.creditLog === undefined) {
      throw new HierarchyError(
        "INVALID_ARGUMENT",
        "takeCredits needs the creditSlotMinutes option",
      );
    }
    return this.creditLog.take();
  }

  /**
   * Records a device's availability (Shelly `online` true/false). An offline device's meters
   * count as offline and their power leaves live power. Returns false if no such device.
   */
  setAvailability(device: NodeId | readonly string[], online: boolean, tsMs: number): boolean {
    const d = typeof device === "number" ? device : this.findNode(device);
    if (d === undefined || this.nodes.isDevice.data[d] !== 1) return false;
    const availability = online ? Availability.online : Availability.offline;
    if (this.nodes.availability.data[d] === availability) return true;
    this.nodes.availability.data[d] = availability;
    for (let m = this.nodes.firstMeter.data[d]!; m >= 0; m = this.meters.nextInDevice.data[m]!) {
      if (!online) this.setMeterState(m, MeterState.offline);
      else if (this.meters.state.data[m] === MeterState.offline) {
        this.setMeterState(m, this.isFresh(m, tsMs) ? MeterState.online : MeterState.stale);
      }
    }
    this.refreshDeviceState(d);
    this.markChanged(d);
    return true;
  }

  /**
   * Records a device's uptime (Shelly `sys.uptime`, seconds) at arrival time `tsMs` (and the
   * device's own time of the message, `deviceTsMs`, when it has one). A boot after a meter's
   * counter was last seen bounds what a counter that restarted from zero can show. Returns true
   * when the uptime shows a reboot since the previous uptime seen.
   */
  noteUptime(device: NodeId, uptimeS: number, tsMs: number, deviceTsMs = Number.NaN): boolean {
    if (this.nodes.isDevice.data[device] !== 1 || !(uptimeS >= 0) || !Number.isFinite(tsMs))
      return false;
    // On the same clock as the device's readings (see ingestValues).
    const arrivalMs = tsMs;
    let atMs = arrivalMs;
    if (deviceTsMs >= MIN_DEVICE_TS_MS && deviceTsMs <= arrivalMs + this.options.maxClockSkewMs)
      atMs = deviceTsMs;
    else {
      const first = this.nodes.firstMeter.data[device]!;
      const offsetMs = first >= 0 ? this.meters.evidence.clockOffsetMs.data[first]! : Number.NaN;
      if (!Number.isNaN(offsetMs)) atMs = arrivalMs + offsetMs;
    }
    const bootTsMs = atMs - uptimeS * 1000;
    const previous = this.nodes.bootTsMs.data[device]!;
    // Arrival delays shift the computed boot time by a few seconds; a reboot moves it forward
    // by at least the time the device had been up.
    const rebooted = !Number.isNaN(previous) && bootTsMs > previous + 10_000;
    if (Number.isNaN(previous) || rebooted) this.nodes.bootTsMs.data[device] = bootTsMs;
    return rebooted;
  }

  /** The node at `path`, if known. */
  findNode(path: readonly string[]): NodeId | undefined {
    let node = -1;
    for (const name of path) {
      const next = this.child(node, name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node < 0 ? undefined : node;
  }

  /** A node's path: the names from its root down to it. */
  pathOf(node: NodeId): string[] {
    this.checkNode(node);
    return this.pathFrom(node);
  }

  private pathFrom(node: number): string[] {
    const path: string[] = [];
    for (let i = node; i >= 0; i = this.nodes.parent.data[i]!) path.push(this.nodes.name[i]!);
    return path.reverse();
  }

  /** The device node of a meter. */
  deviceOf(meter: MeterHandle): NodeId {
    this.checkMeter(meter);
    return this.meters.device.data[meter]!;
  }

  /** Root nodes (companies), in discovery order. */
  roots(): NodeId[] {
    return [...this.rootByName.values()];
  }

  /** Child nodes of a group, in discovery order (empty for a device). */
  children(node: NodeId): NodeId[] {
    this.checkNode(node);
    const map = this.nodes.childByName[node];
    return map ? [...map.values()] : [];
  }

  /** A node's own name (the last segment of its path). */
  nameOf(node: NodeId): string {
    this.checkNode(node);
    return this.nodes.name[node]!;
  }

  /** A node's parent, or undefined for a root (a company). */
  parentOf(node: NodeId): NodeId | undefined {
    this.checkNode(node);
    const parent = this.nodes.parent.data[node]!;
    return parent < 0 ? undefined : parent;
  }

  /**
   * A node's power, W, and its devices by state: the part of {@link view} an output samples
   * for many nodes each cycle, without building the whole view (its path, periods and meters).
   * As of the last {@link takeChanges} or {@link settle}: readings queued since are not in it
   * yet, and none of them is settled here (a view settles every queued device first).
   */
  liveState(node: NodeId): { powerW: number; devices: StateCounts } {
    this.checkNode(node);
    const n = this.nodes;
    return {
      powerW: n.powerMw.data[node]! / 1000,
      devices: counts(
        n.devicesOnline.data[node]!,
        n.devicesStale.data[node]!,
        n.devicesOffline.data[node]!,
      ),
    };
  }

  /** Meters of a device, newest first (empty for a group). */
  metersOf(node: NodeId): MeterHandle[] {
    this.checkNode(node);
    const out: MeterHandle[] = [];
    for (let m = this.nodes.firstMeter.data[node]!; m >= 0; m = this.meters.nextInDevice.data[m]!) {
      out.push(m);
    }
    return out;
  }

  /**
   * The nodes whose published values changed since the previous call, then forgets them.
   * `nowMs` is the caller's clock: arrival times more than `maxClockSkewMs` after it are taken
   * as `nowMs` until the next call. It drives staleness (meters silent for `staleAfterMs` become stale) and period
   * roll-over (at a new hour, day or month the nodes whose current-period totals drop to 0 are
   * included). The cost follows what changed, except once per hour when every node is checked.
   */
  takeChanges(nowMs: number): NodeId[] {
    if (Number.isFinite(nowMs)) {
      this.clockMs = nowMs;
      // A reading stamped in the future (before this clock was known, or in a restored
      // snapshot) no longer decides which hour, day and month are current.
      if (this.latestTsMs > nowMs + this.options.maxClockSkewMs) this.latestTsMs = nowMs;
      // "Now" is at least the caller's clock: every period piece is keyed at or before it.
      if (nowMs > this.latestTsMs) this.latestTsMs = nowMs;
    }
    this.flush();
    this.sweepStale(nowMs);
    const periods = this.options.calendar.periodsAt(this.presentMs(nowMs));
    if (periods.hourStartMs !== this.lastChangeHourKey) {
      this.lastChangeHourKey = periods.hourStartMs;
      const n = this.nodes;
      for (let i = 0; i < n.count; i++) {
        // Periods that have not begun yet (keyed by a reading from the future) start over.
        if (n.hourKey.data[i]! > periods.hourStartMs) n.hourKey.data[i] = NO_PERIOD;
        if (n.dayKey.data[i]! > periods.dayStartMs) n.dayKey.data[i] = NO_PERIOD;
        if (n.monthKey.data[i]! > periods.monthStartMs) n.monthKey.data[i] = NO_PERIOD;
        if (
          (n.hourMwh.data[i]! > 0 && n.hourKey.data[i] !== periods.hourStartMs) ||
          (n.dayMwh.data[i]! > 0 && n.dayKey.data[i] !== periods.dayStartMs) ||
          (n.monthMwh.data[i]! > 0 && n.monthKey.data[i] !== periods.monthStartMs)
        ) {
          this.markNode(i);
        }
      }
    }
    const out = this.changed.splice(0);
    for (const node of out) this.nodes.dirty.data[node] = 0;
    return out;
  }

  /**
   * Carries the queued effects of up to `maxDevices` devices' readings up the tree now and
   * returns how many devices still wait. Reads (views, `takeChanges`, snapshots) carry all of
   * them at once; a service that calls this between batches of messages (every second, say)
   * spreads that work, so that the read of a publish cycle over a large fleet finds little
   * left to do (at 100,000 devices that have all reported, about 25 ms at once).
   */
  settle(maxDevices: number): number {
    // NaN or a negative count settles nothing (and never corrupts the queue's length).
    this.flush(maxDevices > 0 ? Math.floor(maxDevices) : 0);
    return this.queuedDevices.length;
  }

  /**
   * Makes up to about `maxBytes` of the memory the tables' next growth will take resident now,
   * once a table is seven eighths full and grew since the previous call; returns true while
   * some remains (call it again in a later turn, and every second or so while idle). A table that grows (a new device's meters, its room, its office) then copies
   * into memory that is already there: fresh pages are mapped on first write, which on a
   * virtual machine costs milliseconds per megabyte, and growing a 100,000-meter engine at once
   * stalled the ingesting thread for 200-500 ms (measured). The price is the next growth's
   * memory, held from seven eighths full on while the fleet grows (a fleet that stopped
   * growing, or a restored engine, starts no plan). A non-positive or NaN budget does nothing.
   */
  prepareGrowth(maxBytes: number): boolean {
    if (!(maxBytes > 0)) return false;
    return this.nodes.prepareGrowth(maxBytes) || this.meters.prepareGrowth(maxBytes);
  }

  /**
   * Everything a node knows at `nowMs`, which also picks the current hour, day and month (those
   * of the latest arrival if it is later).
   */
  view(node: NodeId, nowMs: number): NodeView {
    this.checkNode(node);
    this.flush();
    const n = this.nodes;
    const periods = this.options.calendar.periodsAt(this.presentMs(nowMs));
    const path = this.pathFrom(node);
    const parent = n.parent.data[node]!;
    const lastUpdate = n.lastUpdateTsMs.data[node]!;
    return {
      id: node,
      name: n.name[node]!,
      path,
      depth: n.depth.data[node]!,
      parentId: parent < 0 ? undefined : parent,
      isDevice: n.isDevice.data[node] === 1,
      energyMwh: n.energyMwh.data[node]!,
      returnedEnergyMwh: n.returnedMwh.data[node]!,
      energyThisHourMwh: n.hourKey.data[node] === periods.hourStartMs ? n.hourMwh.data[node]! : 0,
      energyTodayMwh: n.dayKey.data[node] === periods.dayStartMs ? n.dayMwh.data[node]! : 0,
      energyThisMonthMwh:
        n.monthKey.data[node] === periods.monthStartMs ? n.monthMwh.data[node]! : 0,
      powerW: n.powerMw.data[node]! / 1000,
      meters: counts(
        n.metersOnline.data[node]!,
        n.metersStale.data[node]!,
        n.metersOffline.data[node]!,
      ),
      devices: counts(
        n.devicesOnline.data[node]!,
        n.devicesStale.data[node]!,
        n.devicesOffline.data[node]!,
      ),
      lastUpdateTsMs: !Number.isNaN(lastUpdate) ? lastUpdate : undefined,
    };
  }

  /** One meter's state. */
  meterView(meter: MeterHandle): MeterView {
    this.checkMeter(meter);
    const m = this.meters;
    const state = m.state.data[meter]!;
    const lastSeen = m.lastSeenTsMs.data[meter]!;
    const ref = m.active.refMwh.data[meter]!;
    return {
      handle: meter,
      deviceId: m.device.data[meter]!,
      meterId: m.meterId[meter]!,
      energyMwh: m.energyMwh.data[meter]!,
      returnedEnergyMwh: m.returnedMwh.data[meter]!,
      powerW: m.powerMw.data[meter]! / 1000,
      state:
        state === MeterState.online ? "online" : state === MeterState.offline ? "offline" : "stale",
      lastSeenTsMs: Number.isFinite(lastSeen) ? lastSeen : undefined,
      epoch: m.active.epoch.data[meter]!,
      referenceWh: !Number.isNaN(ref) ? ref / 1000 : undefined,
      maxPowerW: m.maxPowerW.data[meter]!,
      maxPowerSource: LIMIT_SOURCE_NAMES[m.limitSource.data[meter]!]!,
      effectiveMaxPowerW: m.evidence.limitW(meter, m.maxPowerW.data[meter]!),
      held: HELD_NAMES[m.active.pendingKind.data[meter]!],
    };
  }

  /**
   * A versioned, JSON-serialisable copy of the whole state: every node's totals and periods,
   * every meter's reference counters, epochs and held-back readings. Restoring it with
   * {@link EnergyEngine.restore} and continuing gives exactly the totals of never stopping.
   */
  snapshot(): EngineSnapshot {
    this.flush();
    return encodeSnapshot({
      timeZone: this.options.calendar.timeZone,
      latestTsMs: this.latestTsMs,
      clockMs: this.clockMs,
      nodes: this.nodes,
      meters: this.meters,
      freshOrder: this.freshOrder(),
    });
  }

  /**
   * The state of {@link snapshot}, copied in a few milliseconds instead of encoded: the columns
   * the snapshot needs as typed-array copies, names by reference. Encode it with a
   * `CaptureEncoder` — in a worker thread, so that a large engine's snapshot never holds up the
   * thread that ingests readings (at 100,000 meters `snapshot()` plus `JSON.stringify` take a
   * few hundred milliseconds). `captureBuffers` lists its buffers for a zero-copy `postMessage`.
   *
   * @param previous an earlier capture of this engine, handed back after encoding: its buffers
   *   are reused (no fresh memory to fault in) and only names added since it are included, so
   *   the encoder that encoded it must encode this one.
   * @throws TypeError when `previous` has more nodes or meters than this engine.
   */
  capture(previous?: EngineCapture): EngineCapture {
    const taking = this.beginCapture(previous);
    taking.step();
    return taking.capture;
  }

  /**
   * {@link capture} in slices: the nodes, the freshness order and the names are copied now (a few
   * milliseconds at 100,000 nodes), the meters' values by `step(maxMeters)` calls, in later turns
   * if need be, while the engine goes on ingesting. Once `step` returned true, `capture` is the
   * engine's state at the instant `beginCapture` was called: a meter about to change before its
   * slice was copied is copied first, as it still was. At 100,000 meters the meters are most of
   * a capture (about 500 bytes each), and copied at once they held the ingesting thread 12-34 ms
   * on a busy two-vCPU machine (measured). One capture at a time: beginning another, or calling
   * {@link capture}, abandons the one in progress (its `step` then throws).
   *
   * @param previous as for {@link capture}.
   * @throws TypeError when `previous` has more nodes or meters than this engine.
   */
  beginCapture(previous?: EngineCapture): CaptureInProgress {
    this.flush();
    this.capturing?.abandon();
    this.capturing = undefined;
    const taking = new CaptureInProgress(this.captureSource(), previous);
    if (!taking.done) this.capturing = taking;
    return taking;
  }

  private captureSource(): CaptureSource {
    return {
      timeZone: this.options.calendar.timeZone,
      latestTsMs: this.latestTsMs,
      clockMs: this.clockMs,
      nodes: this.nodes,
      meters: this.meters,
      freshNext: (into) => {
        into.set(this.meters.next.data.subarray(0, into.length));
        return this.freshHead;
      },
    };
  }

  /** A capture in progress is told before `meter`'s values change (see {@link beginCapture}). */
  private beforeMeterWrite(meter: number): void {
    const taking = this.capturing;
    if (taking === undefined) return;
    if (taking.done) this.capturing = undefined;
    else taking.beforeMeterWrite(meter);
  }

  /** {@link beforeMeterWrite} for every meter of `device` (a reading can change its siblings). */
  private beforeDeviceWrite(device: number): void {
    const taking = this.capturing;
    if (taking === undefined) return;
    if (taking.done) {
      this.capturing = undefined;
      return;
    }
    const next = this.meters.nextInDevice.data;
    for (let m = this.nodes.firstMeter.data[device]!; m >= 0; m = next[m]!)
      taking.beforeMeterWrite(m);
  }

  // ---- internals ------------------------------------------------------------------------

  private child(parent: number, name: string): number | undefined {
    return parent < 0 ? this.rootByName.get(name) : this.nodes.childByName[parent]?.get(name);
  }

  private findMeterOf(device: number, meterId: string): number {
    for (
      let m = this.nodes.firstMeter.data[device]!;
      m >= 0;
      m = this.meters.nextInDevice.data[m]!
    ) {
      if (this.meters.meterId[m] === meterId) return m;
    }
    return -1;
  }

  private addNode(name: string, parent: number, device: boolean): number {
    const node = this.nodes.add(name, parent);
    this.nodes.isDevice.data[node] = device ? 1 : 0;
    if (parent < 0) this.rootByName.set(name, node);
    else {
      let map = this.nodes.childByName[parent];
      if (!map) {
        map = new Map();
        this.nodes.childByName[parent] = map;
      }
      map.set(name, node);
    }
    if (device) this.addCounts(node, "devicesStale", 1);
    return node;
  }

  /** The `maxPowerWFor` override of a meter's limit, if it gives a valid one. */
  private overrideFor(device: number, meterId: string): number | undefined {
    const override = this.options.maxPowerWFor;
    if (!override) return undefined;
    const limit = override(this.pathFrom(device), meterId);
    return limit !== undefined && Number.isFinite(limit) && limit > 0 ? limit : undefined;
  }

  /**
   * An arrival time as "now" takes it. Once the caller's clock is known (`takeChanges`), an
   * arrival more than `maxClockSkewMs` ahead of it is not believed: it is taken as the latest
   * arrival, so a reading stamped in the future cannot move "now" (and blank every current hour
   * and day). Believed arrivals move the clock on. The accounting itself uses the time as given.
   */
  private clocked(tsMs: number): number {
    const clockMs = this.clockMs;
    if (clockMs !== Number.NEGATIVE_INFINITY) {
      if (tsMs > clockMs + this.options.maxClockSkewMs) return this.latestTsMs;
      if (tsMs > clockMs) this.clockMs = tsMs;
    }
    if (tsMs > this.latestTsMs) this.latestTsMs = tsMs;
    return tsMs;
  }

  /**
   * The instant whose periods are presented at `nowMs`: `nowMs`, or the latest arrival if later
   * (every period piece is keyed at or before it, so parents and children agree).
   */
  private presentMs(nowMs: number): number {
    return Math.max(this.latestTsMs, nowMs);
  }

  private checkNode(node: NodeId): void {
    if (!(node >= 0 && node < this.nodes.count)) {
      throw new HierarchyError("INVALID_ARGUMENT", `unknown node ${String(node)}`);
    }
  }

  private checkMeter(meter: MeterHandle): void {
    if (!(meter >= 0 && meter < this.meters.count)) {
      throw new HierarchyError("INVALID_ARGUMENT", `unknown meter handle ${String(meter)}`);
    }
  }

  /**
   * Adds a reading's effects to its device's queue (see `NodeColumns.queued`): the credits,
   * split between the periods their intervals cover (and recorded by slot for `takeCredits`),
   * returned energy and the change of live power. `readingTsMs` is where the credits' intervals
   * end; it is never taken beyond the latest arrival, so a device clock running ahead cannot key
   * a period that has not begun.
   */
  private queue(
    device: number,
    meter: number,
    readingTsMs: number,
    clockedMs: number,
    creditMwh: number,
    creditFromMs: number,
    creditFromIntegralMwh: number,
    returnedMwh: number,
    returnedFromMs: number,
    powerDeltaMw: number,
  ): void {
    const n = this.nodes;
    const toMs = Math.min(readingTsMs, this.latestTsMs);
    const log = this.creditLog;
    this.creditDevice = device;
    if (creditMwh > 0) {
      const e = this.meters.evidence;
      const split = this.splitter;
      split.split(
        creditMwh,
        Math.min(creditFromMs, toMs),
        toMs,
        creditFromIntegralMwh,
        e.markTsMs.data[meter]!,
        e.markIntegralMwh.data[meter]!,
        e.integralMwh.data[meter]!,
        log === undefined ? undefined : this.recordActive,
      );
      const p = split.periods;
      n.queuedEnergyMwh.data[device]! += creditMwh;
      addPiece(n.queuedHourKey.data, n.queuedHourMwh.data, device, p.hourStartMs, split.hourMwh);
      addPiece(n.queuedDayKey.data, n.queuedDayMwh.data, device, p.dayStartMs, split.dayMwh);
      addPiece(
        n.queuedMonthKey.data,
        n.queuedMonthMwh.data,
        device,
        p.monthStartMs,
        split.monthMwh,
      );
    }
    if (returnedMwh > 0 && log !== undefined) {
      this.splitter.split(
        returnedMwh,
        Math.min(returnedFromMs, toMs),
        toMs,
        Number.NaN,
        Number.NaN,
        0,
        0,
        this.recordReturned,
      );
    }
    n.queuedReturnedMwh.data[device]! += returnedMwh;
    n.queuedPowerMw.data[device]! += powerDeltaMw;
    if (clockedMs > n.queuedLastUpdateTsMs.data[device]!)
      n.queuedLastUpdateTsMs.data[device] = clockedMs;
    if (n.queued.data[device] === 0) {
      n.queued.data[device] = 1;
      this.queuedDevices.push(device);
    }
  }

  /** Carries the queued effects of (the last `maxDevices`) devices to them and their ancestors. */
  private flush(maxDevices = Number.POSITIVE_INFINITY): void {
    const devices = this.queuedDevices;
    if (devices.length === 0) return;
    const end = devices.length;
    const start = Math.max(0, end - maxDevices);
    const n = this.nodes;
    const parent = n.parent.data;
    const energy = n.energyMwh.data;
    const hourKeys = n.hourKey.data;
    const hourMwh = n.hourMwh.data;
    const dayKeys = n.dayKey.data;
    const dayMwh = n.dayMwh.data;
    const monthKeys = n.monthKey.data;
    const monthMwh = n.monthMwh.data;
    const returned = n.returnedMwh.data;
    const power = n.powerMw.data;
    const lastUpdate = n.lastUpdateTsMs.data;
    for (let k = start; k < end; k++) {
      const d = devices[k]!;
      const e = n.queuedEnergyMwh.data[d]!;
      const r = n.queuedReturnedMwh.data[d]!;
      const pw = n.queuedPowerMw.data[d]!;
      const hk = n.queuedHourKey.data[d]!;
      const h = n.queuedHourMwh.data[d]!;
      const dk = n.queuedDayKey.data[d]!;
      const dv = n.queuedDayMwh.data[d]!;
      const mk = n.queuedMonthKey.data[d]!;
      const mv = n.queuedMonthMwh.data[d]!;
      const ts = n.queuedLastUpdateTsMs.data[d]!;
      for (let i = d; i >= 0; i = parent[i]!) {
        energy[i]! += e;
        returned[i]! += r;
        power[i]! += pw;
        addPiece(hourKeys, hourMwh, i, hk, h);
        addPiece(dayKeys, dayMwh, i, dk, dv);
        addPiece(monthKeys, monthMwh, i, mk, mv);
        if (!(lastUpdate[i]! >= ts)) lastUpdate[i] = ts;
        this.markNode(i);
      }
      n.queued.data[d] = 0;
      n.queuedEnergyMwh.data[d] = 0;
      n.queuedReturnedMwh.data[d] = 0;
      n.queuedPowerMw.data[d] = 0;
      n.queuedHourKey.data[d] = NO_PERIOD;
      n.queuedHourMwh.data[d] = 0;
      n.queuedDayKey.data[d] = NO_PERIOD;
      n.queuedDayMwh.data[d] = 0;
      n.queuedMonthKey.data[d] = NO_PERIOD;
      n.queuedMonthMwh.data[d] = 0;
      n.queuedLastUpdateTsMs.data[d] = Number.NEGATIVE_INFINITY;
    }
    devices.length = start;
  }

  /** Marks a node and its ancestors as changed. */
  private markChanged(node: number): void {
    for (let i = node; i >= 0; i = this.nodes.parent.data[i]!) this.markNode(i);
  }

  private markNode(i: number): void {
    if (this.nodes.dirty.data[i] === 0) {
      this.nodes.dirty.data[i] = 1;
      this.changed.push(i);
    }
  }

  private addCounts(node: number, column: CountColumn, delta: number): void {
    const data = this.nodes[column].data;
    for (let i = node; i >= 0; i = this.nodes.parent.data[i]!) data[i]! += delta;
  }

  private addPower(node: number, deltaMw: number): void {
    if (deltaMw === 0) return;
    const data = this.nodes.powerMw.data;
    for (let i = node; i >= 0; i = this.nodes.parent.data[i]!) data[i]! += deltaMw;
  }

  private isFresh(meter: number, nowMs: number): boolean {
    return nowMs - this.meters.lastSeenTsMs.data[meter]! < this.options.staleAfterMs;
  }

  /** A reading arrived: the meter (and its device) is online. Returns true if a state changed. */
  private touch(meter: number, tsMs: number): boolean {
    const m = this.meters;
    if (tsMs > m.lastSeenTsMs.data[meter]!) m.lastSeenTsMs.data[meter] = tsMs;
    if (m.state.data[meter] === MeterState.online) return false;
    const device = m.device.data[meter]!;
    if (this.nodes.availability.data[device] === Availability.offline) {
      // A device that reports is evidently back, whatever its last will said.
      this.nodes.availability.data[device] = Availability.online;
      for (
        let other = this.nodes.firstMeter.data[device]!;
        other >= 0;
        other = m.nextInDevice.data[other]!
      ) {
        if (other !== meter && m.state.data[other] === MeterState.offline) {
          this.setMeterState(
            other,
            this.isFresh(other, tsMs) ? MeterState.online : MeterState.stale,
          );
        }
      }
    }
    this.setMeterState(meter, MeterState.online);
    this.refreshDeviceState(device);
    return true;
  }

  private setMeterState(meter: number, state: number): void {
    const m = this.meters;
    const old = m.state.data[meter]!;
    if (old === state) return;
    this.beforeMeterWrite(meter);
    const device = m.device.data[meter]!;
    this.addCounts(device, METER_COUNT_COLUMNS[old]!, -1);
    this.addCounts(device, METER_COUNT_COLUMNS[state]!, 1);
    if (old === MeterState.online) {
      this.unlink(meter);
      this.addPower(device, -m.powerMw.data[meter]!);
      this.nodes.freshMeters.data[device]! -= 1;
    }
    m.state.data[meter] = state;
    if (state === MeterState.online) {
      m.listKeyMs.data[meter] = m.lastSeenTsMs.data[meter]!;
      this.insertOrdered(meter);
      this.addPower(device, m.powerMw.data[meter]!);
      this.nodes.freshMeters.data[device]! += 1;
    }
    this.refreshDeviceState(device);
    this.markChanged(device);
  }

  private refreshDeviceState(device: number): void {
    const n = this.nodes;
    const state =
      n.availability.data[device] === Availability.offline
        ? DeviceState.offline
        : n.freshMeters.data[device]! > 0
          ? DeviceState.online
          : DeviceState.stale;
    const old = n.deviceState.data[device]!;
    if (state === old) return;
    n.deviceState.data[device] = state;
    this.addCounts(device, DEVICE_COUNT_COLUMNS[old]!, -1);
    this.addCounts(device, DEVICE_COUNT_COLUMNS[state]!, 1);
    this.markChanged(device);
  }

  private sweepStale(nowMs: number): void {
    const m = this.meters;
    const thresholdMs = nowMs - this.options.staleAfterMs;
    while (this.freshHead >= 0 && m.listKeyMs.data[this.freshHead]! <= thresholdMs) {
      const meter = this.freshHead;
      const lastSeen = m.lastSeenTsMs.data[meter]!;
      if (lastSeen <= thresholdMs) this.setMeterState(meter, MeterState.stale);
      else {
        // Read since it was queued: re-queue it by its real last-seen time. (Its reading told a
        // capture in progress already; the key is a captured column, so tell it here too.)
        this.beforeMeterWrite(meter);
        this.unlink(meter);
        m.listKeyMs.data[meter] = lastSeen;
        this.insertOrdered(meter);
      }
    }
  }

  private unlink(meter: number): void {
    const m = this.meters;
    const prev = m.prev.data[meter]!;
    const next = m.next.data[meter]!;
    if (prev >= 0) m.next.data[prev] = next;
    else this.freshHead = next;
    if (next >= 0) m.prev.data[next] = prev;
    else this.freshTail = prev;
    m.prev.data[meter] = -1;
    m.next.data[meter] = -1;
  }

  /** Inserts an unlinked meter by its list key, searching from the tail (usually O(1)). */
  private insertOrdered(meter: number): void {
    const m = this.meters;
    const key = m.listKeyMs.data[meter]!;
    let after = this.freshTail;
    while (after >= 0 && m.listKeyMs.data[after]! > key) after = m.prev.data[after]!;
    const before = after >= 0 ? m.next.data[after]! : this.freshHead;
    m.prev.data[meter] = after;
    m.next.data[meter] = before;
    if (after >= 0) m.next.data[after] = meter;
    else this.freshHead = meter;
    if (before >= 0) m.prev.data[before] = meter;
    else this.freshTail = meter;
  }

  /**
   * Rebuilds the engine from a decoded snapshot in bulk: columns are copied whole, the tree maps
   * and meter lists are linked in one pass, counts and power are summed bottom-up, and the
   * freshness list is relinked in its saved order. Throws `Corrupt` for duplicate names.
   */
  private load(s: DecodedSnapshot): void {
    const n = this.nodes;
    const m = this.meters;
    const nc = s.nodes.name.length;
    const mc = s.meters.meterId.length;
    this.latestTsMs = s.latestTsMs;
    this.clockMs = s.clockMs;
    // Decoded columns become the engine's storage as they are; the rest is allocated once.
    n.parent.adopt(s.nodes.parent);
    n.energyMwh.adopt(s.nodes.energyMwh);
    n.returnedMwh.adopt(s.nodes.returnedMwh);
    n.hourKey.adopt(s.nodes.hourKey);
    n.hourMwh.adopt(s.nodes.hourMwh);
    n.dayKey.adopt(s.nodes.dayKey);
    n.dayMwh.adopt(s.nodes.dayMwh);
    n.monthKey.adopt(s.nodes.monthKey);
    n.monthMwh.adopt(s.nodes.monthMwh);
    n.lastUpdateTsMs.adopt(s.nodes.lastUpdateTsMs);
    n.availability.adopt(s.nodes.availability);
    n.bootTsMs.adopt(s.nodes.bootTsMs);
    m.device.adopt(s.meters.device);
    m.energyMwh.adopt(s.meters.energyMwh);
    m.returnedMwh.adopt(s.meters.returnedMwh);
    m.powerMw.adopt(s.meters.powerMw);
    m.lastSeenTsMs.adopt(s.meters.lastSeenTsMs);
    m.state.adopt(s.meters.state);
    for (const [tracker, saved] of [
      [m.active, s.meters.active],
      [m.returned, s.meters.returned],
    ] as const) {
      tracker.refMwh.adopt(saved.refMwh);
      tracker.refSetTsMs.adopt(saved.refSetTsMs);
      tracker.refSeenTsMs.adopt(saved.refSeenTsMs);
      tracker.refTimed.adopt(saved.refTimed);
      tracker.allowMwh.adopt(saved.allowMwh);
      tracker.seenIntegralMwh.adopt(saved.seenIntegralMwh);
      tracker.pendingKind.adopt(saved.pendingKind);
      tracker.pendingMwh.adopt(saved.pendingMwh);
      tracker.pendingTsMs.adopt(saved.pendingTsMs);
      tracker.pendingAllowMwh.adopt(saved.pendingAllowMwh);
      tracker.pendingTimed.adopt(saved.pendingTimed);
      tracker.pendingAltMwh.adopt(saved.pendingAltMwh);
      tracker.pendingAltTsMs.adopt(saved.pendingAltTsMs);
      tracker.pendingAltAllowMwh.adopt(saved.pendingAltAllowMwh);
      tracker.epoch.adopt(saved.epoch);
      tracker.epochStartTsMs.adopt(saved.epochStartTsMs);
      tracker.epochFloorMwh.adopt(saved.epochFloorMwh);
      tracker.rateMwhPerMs.adopt(saved.rateMwhPerMs);
      tracker.flowSeen.adopt(saved.flowSeen);
      tracker.prevRefMwh.adopt(saved.prevRefMwh);
      tracker.prevSeenTsMs.adopt(saved.prevSeenTsMs);
      tracker.epochCreditMwh.adopt(saved.epochCreditMwh);
    }
    const e = m.evidence;
    const saved = s.meters.evidence;
    e.lastReportTsMs.adopt(saved.lastReportTsMs);
    e.counterArrivalTsMs.adopt(saved.counterArrivalTsMs);
    e.burstBaseTsMs.adopt(saved.burstBaseTsMs);
    e.queueCounters.adopt(saved.queueCounters);
    e.clockOffsetMs.adopt(saved.clockOffsetMs);
    e.hasPower.adopt(saved.hasPower);
    e.powerTsMs.adopt(saved.powerTsMs);
    e.sustainedW.adopt(saved.sustainedW);
    e.integralMwh.adopt(saved.integralMwh);
    e.markTsMs.adopt(saved.markTsMs);
    e.markIntegralMwh.adopt(saved.markIntegralMwh);
    e.importW.adopt(saved.importW);
    e.exportW.adopt(saved.exportW);
    n.reserve(nc);
    m.reserve(mc);

    for (let i = 0; i < nc; i++) {
      const node = n.add(s.nodes.name[i]!, s.nodes.parent[i]!);
      n.isDevice.data[node] = s.nodes.isDevice[i]!;
      const parent = s.nodes.parent[i]!;
      let siblings = parent < 0 ? this.rootByName : n.childByName[parent];
      if (siblings === undefined) {
        siblings = new Map();
        n.childByName[parent] = siblings;
      }
      if (siblings.has(s.nodes.name[i]!))
        throw new CorruptSnapshot(`nodes.name[${i}] repeats a sibling's name`);
      siblings.set(s.nodes.name[i]!, node);
    }
    for (let i = 0; i < mc; i++) {
      const device = s.meters.device[i]!;
      const meterId = s.meters.meterId[i]!;
      if (this.findMeterOf(device, meterId) >= 0) {
        throw new CorruptSnapshot(`meters.meterId[${i}] repeats a meter of its device`);
      }
      // The limit: today's override if the options give one, else the saved rating.
      const override = this.overrideFor(device, meterId);
      const rated = s.meters.ratedW[i]!;
      const meter =
        override !== undefined
          ? m.add(meterId, device, override, LimitSource.override)
          : Number.isNaN(rated)
            ? m.add(meterId, device, this.options.maxPowerW, LimitSource.default)
            : m.add(meterId, device, rated, LimitSource.rating);
      m.nextInDevice.data[meter] = n.firstMeter.data[device]!;
      n.firstMeter.data[device] = meter;
    }
    // Per device: meters by state, live power, fresh meters; then the device's own state.
    const state = m.state.data;
    for (let meter = 0; meter < mc; meter++) {
      const device = m.device.data[meter]!;
      const column = n[METER_COUNT_COLUMNS[state[meter]!]!].data;
      column[device]! += 1;
      if (state[meter] === MeterState.online) {
        n.powerMw.data[device]! += m.powerMw.data[meter]!;
        n.freshMeters.data[device]! += 1;
      }
    }
    for (let node = 0; node < nc; node++) {
      if (n.isDevice.data[node] !== 1) continue;
      const deviceState =
        n.availability.data[node] === Availability.offline
          ? DeviceState.offline
          : n.freshMeters.data[node]! > 0
            ? DeviceState.online
            : DeviceState.stale;
      n.deviceState.data[node] = deviceState;
      n[DEVICE_COUNT_COLUMNS[deviceState]!].data[node] = 1;
    }
    // Children come after their parents, so one backward pass sums every level.
    const summed = [
      n.powerMw.data,
      n.metersOnline.data,
      n.metersStale.data,
      n.metersOffline.data,
      n.devicesOnline.data,
      n.devicesStale.data,
      n.devicesOffline.data,
    ];
    for (let node = nc - 1; node >= 0; node--) {
      const parent = n.parent.data[node]!;
      if (parent < 0) continue;
      for (const column of summed) column[parent]! += column[node]!;
    }

    for (let k = 0; k < s.freshness.meter.length; k++) {
      const meter = s.freshness.meter[k]!;
      m.listKeyMs.data[meter] = s.freshness.keyMs[k]!;
      m.prev.data[meter] = this.freshTail;
      if (this.freshTail >= 0) m.next.data[this.freshTail] = meter;
      else this.freshHead = meter;
      this.freshTail = meter;
    }

    // A restored engine starts with everything to publish.
    for (let node = 0; node < nc; node++) {
      n.dirty.data[node] = 1;
      this.changed.push(node);
    }
  }

  /** Online meters from the head of the freshness list to its tail. */
  private freshOrder(): number[] {
    const out: number[] = [];
    for (let meter = this.freshHead; meter >= 0; meter = this.meters.next.data[meter]!)
      out.push(meter);
    return out;
  }
}

type CountColumn =
  | "metersOnline"
  | "metersStale"
  | "metersOffline"
  | "devicesOnline"
  | "devicesStale"
  | "devicesOffline";

/** Count column by MeterState value. */
const METER_COUNT_COLUMNS: readonly CountColumn[] = [
  "metersStale",
  "metersOnline",
  "metersOffline",
];
/** `MeterView.maxPowerSource` by `LimitSource` value. */
const LIMIT_SOURCE_NAMES: readonly MeterView["maxPowerSource"][] = [
  "default",
  "rating",
  "override",
];
/** `MeterView.held` by pending kind. */
const HELD_NAMES: readonly MeterView["held"][] = [undefined, "drop", "rise"];

/** Count column by DeviceState value. */
const DEVICE_COUNT_COLUMNS: readonly CountColumn[] = [
  "devicesStale",
  "devicesOnline",
  "devicesOffline",
];

/**
 * Adds an energy piece of period `key` to slot `i` of a keyed period column: the slot keeps the
 * latest period it has seen; a piece of an older period is dropped, a newer one starts afresh.
 * Applying pieces in any order gives the same result for the latest period.
 */
function addPiece(
  keys: Float64Array,
  values: Float64Array,
  i: number,
  key: number,
  amountMwh: number,
): void {
  const current = keys[i]!;
  if (current === key) values[i]! += amountMwh;
  else if (current < key) {
    keys[i] = key;
    values[i] = amountMwh;
  }
}

function counts(online: number, stale: number, offline: number): StateCounts {
  return { online, stale, offline };
}

/** Creates an {@link EnergyEngine}; throws {@link HierarchyError} `INVALID_OPTIONS`. */
export function createEnergyEngine(options: EngineOptions = {}): EnergyEngine {
  return new EnergyEngine(options);
}
