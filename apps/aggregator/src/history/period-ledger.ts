import type { DeviceStates, HistoryBatch, PeriodRow } from "@coreflux/history";

/** One node's values in one period, as the ledger tracks them. */
interface Entry {
  path: string;
  slotStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
  /** What the batches cut so far carried: the next delta is measured from here. */
  batchedEnergyMwh: number;
  batchedReturnedMwh: number;
  peakPowerW: number | undefined;
  devices: DeviceStates | undefined;
  observedAtMs: number | undefined;
  dirty: boolean;
}

/** Energy for a period the ledger no longer tracks: added to the stored row. */
interface Late {
  path: string;
  slotStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
}

/** The ledger in the state file (see {@link PeriodLedger.snapshot}). */
export interface LedgerSnapshot {
  slotMs: number;
  floorMs: number;
  nextSeq: number;
  /** path, slot start, energy mWh, returned mWh, peak W, online, stale, offline, observed at. */
  entries: [
    string,
    number,
    number,
    number,
    number | null,
    number | null,
    number | null,
    number | null,
    number | null,
  ][];
}

/**
 * Turns what the engine credited (by device and UTC slot) and what the publish cycle observed
 * (power, device states) into history rows for every node of the tree.
 *
 * A credit to a device counts once in the device's row and once in each ancestor's row of the
 * same period, so a parent's row is the sum of its children's by construction. Periods from the
 * floor on (the current and the previous one) are tracked whole and written as absolute values;
 * an older period (a device back after hours offline credits the hours it was away) gets
 * additive rows. The floor only rises, so a period never goes back from additive to absolute.
 * Deterministic: the same credits in the same order give the same batches, which is what lets
 * a journal replay after a crash rebuild exactly what the crash lost.
 */
export class PeriodLedger {
  private readonly entries = new Map<string, Entry>();
  private late = new Map<string, Late>();
  private floorMs: number;
  private nextSeq: number;

  /**
   * @param slotMs the period width, ms
   * @param startMs now: a new ledger tracks whole periods only from the next one on (the current
   *   one may already have rows from an earlier run)
   */
  constructor(
    readonly slotMs: number,
    startMs: number,
    restored?: LedgerSnapshot,
  ) {
    if (restored !== undefined && restored.slotMs === slotMs) {
      this.floorMs = restored.floorMs;
      this.nextSeq = restored.nextSeq;
      for (const [
        path,
        slot,
        energy,
        returned,
        peak,
        online,
        stale,
        offline,
        at,
      ] of restored.entries) {
        this.entries.set(key(path, slot), {
          path,
          slotStartMs: slot,
          energyMwh: energy,
          returnedEnergyMwh: returned,
          batchedEnergyMwh: energy,
          batchedReturnedMwh: returned,
          peakPowerW: peak ?? undefined,
          devices:
            online === null ? undefined : { online, stale: stale ?? 0, offline: offline ?? 0 },
          observedAtMs: at ?? undefined,
          dirty: false,
        });
      }
    } else {
      this.floorMs = this.slotOf(startMs) + slotMs;
      this.nextSeq = restored?.nextSeq ?? 1;
    }
  }

  /** The `seq` the next batch gets. */
  get upcomingSeq(): number {
    return this.nextSeq;
  }

  /** Periods tracked whole. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds a credit of `energyMwh`/`returnedEnergyMwh` in the slot at `slotStartMs` to each of `paths`. */
  credit(
    paths: readonly string[],
    slotStartMs: number,
    energyMwh: number,
    returnedEnergyMwh: number,
  ): void {
    if (energyMwh === 0 && returnedEnergyMwh === 0) return;
    const tracked = slotStartMs >= this.floorMs;
    for (const path of paths) {
      const k = key(path, slotStartMs);
      if (tracked) {
        const e = this.entry(k, path, slotStartMs);
        e.energyMwh += energyMwh;
        e.returnedEnergyMwh += returnedEnergyMwh;
        e.dirty = true;
      } else {
        let l = this.late.get(k);
        if (l === undefined) {
          l = { path, slotStartMs, energyMwh: 0, returnedEnergyMwh: 0 };
          this.late.set(k, l);
        }
        l.energyMwh += energyMwh;
        l.returnedEnergyMwh += returnedEnergyMwh;
      }
    }
  }

  /** Records what was published for `path` at `nowMs`: its power (for the peak) and device states. */
  observe(path: string, nowMs: number, powerW: number, devices: DeviceStates): void {
    const slot = this.slotOf(nowMs);
    const e = this.entry(key(path, slot), path, slot);
    if (e.peakPowerW === undefined || powerW > e.peakPowerW) e.peakPowerW = powerW;
    e.devices = devices;
    e.observedAtMs = nowMs;
    e.dirty = true;
  }

  /**
   * The rows changed since the previous batch (undefined: none), then moves the floor to the
   * period before `nowMs`'s and forgets the periods below it.
   */
  cut(nowMs: number): HistoryBatch | undefined {
    const rows: PeriodRow[] = [];
    for (const e of this.entries.values()) {
      if (!e.dirty) continue;
      e.dirty = false;
      rows.push({
        path: e.path,
        periodStartMs: e.slotStartMs,
        energyMwh: e.energyMwh,
        returnedEnergyMwh: e.returnedEnergyMwh,
        energyDeltaMwh: e.energyMwh - e.batchedEnergyMwh,
        returnedEnergyDeltaMwh: e.returnedEnergyMwh - e.batchedReturnedMwh,
        additive: e.slotStartMs < this.floorMs,
        peakPowerW: e.peakPowerW,
        devices: e.devices,
        observedAtMs: e.observedAtMs,
      });
      e.batchedEnergyMwh = e.energyMwh;
      e.batchedReturnedMwh = e.returnedEnergyMwh;
    }
    for (const l of this.late.values()) {
      rows.push({
        path: l.path,
        periodStartMs: l.slotStartMs,
        energyMwh: l.energyMwh,
        returnedEnergyMwh: l.returnedEnergyMwh,
        energyDeltaMwh: l.energyMwh,
        returnedEnergyDeltaMwh: l.returnedEnergyMwh,
        additive: true,
        peakPowerW: undefined,
        devices: undefined,
        observedAtMs: undefined,
      });
    }
    this.late = new Map();
    const floor = this.slotOf(nowMs) - this.slotMs;
    if (floor > this.floorMs) {
      this.floorMs = floor;
      for (const [k, e] of this.entries) if (e.slotStartMs < floor) this.entries.delete(k);
    }
    if (rows.length === 0) return undefined;
    return { seq: this.nextSeq++, rows };
  }

  /** The ledger for the state file; take it right after {@link cut} (nothing dirty, nothing late). */
  snapshot(): LedgerSnapshot {
    const entries: LedgerSnapshot["entries"] = [];
    for (const e of this.entries.values()) {
      entries.push([
        e.path,
        e.slotStartMs,
        e.batchedEnergyMwh,
        e.batchedReturnedMwh,
        e.peakPowerW ?? null,
        e.devices?.online ?? null,
        e.devices?.stale ?? null,
        e.devices?.offline ?? null,
        e.observedAtMs ?? null,
      ]);
    }
    return { slotMs: this.slotMs, floorMs: this.floorMs, nextSeq: this.nextSeq, entries };
  }

  private entry(k: string, path: string, slotStartMs: number): Entry {
    let e = this.entries.get(k);
    if (e === undefined) {
      e = {
        path,
        slotStartMs,
        energyMwh: 0,
        returnedEnergyMwh: 0,
        batchedEnergyMwh: 0,
        batchedReturnedMwh: 0,
        peakPowerW: undefined,
        devices: undefined,
        observedAtMs: undefined,
        dirty: false,
      };
      this.entries.set(k, e);
    }
    return e;
  }

  private slotOf(tsMs: number): number {
    return Math.floor(tsMs / this.slotMs) * this.slotMs;
  }
}

function key(path: string, slotStartMs: number): string {
  return `${slotStartMs}|${path}`;
}
