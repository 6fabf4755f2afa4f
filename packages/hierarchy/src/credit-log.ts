import { ensureAll, GrowableFloat64, GrowableInt32 } from "./growable";
import type { CreditPiece } from "./types";

/**
 * The energy credited since the last {@link take}, by device and UTC slot (see
 * `EngineOptions.creditSlotMinutes`). Appending costs one row per credit part on the hot path;
 * {@link take} adds up the rows of the same device and slot.
 */
export class CreditLog {
  private readonly device = new GrowableInt32(-1);
  private readonly slotStartMs = new GrowableFloat64();
  private readonly energyMwh = new GrowableFloat64();
  private readonly returnedMwh = new GrowableFloat64();
  private count = 0;
  /** Per device, while {@link take} adds up a slot's rows: 1 once it has a sum, and the sums. */
  private seen: Uint8Array | undefined;
  private sumEnergy: Float64Array | undefined;
  private sumReturned: Float64Array | undefined;

  constructor(readonly slotMs: number) {}

  /** Rows waiting for {@link take}. */
  get size(): number {
    return this.count;
  }

  /** Records part of a credit of `device` in the slot starting at `slotStartMs`. */
  add(device: number, slotStartMs: number, energyMwh: number, returnedMwh: number): void {
    const i = this.count;
    if (i >= this.device.data.length)
      ensureAll([this.device, this.slotStartMs, this.energyMwh, this.returnedMwh], i);
    this.device.data[i] = device;
    this.slotStartMs.data[i] = slotStartMs;
    this.energyMwh.data[i] = energyMwh;
    this.returnedMwh.data[i] = returnedMwh;
    this.count = i + 1;
  }

  /**
   * The recorded parts added up by device and slot, ordered by slot then device; then forgets
   * them. Each piece's sums are taken in the order the parts were recorded.
   */
  take(): CreditPiece[] {
    const n = this.count;
    this.count = 0;
    if (n === 0) return [];
    const devices = this.device.data;
    const slots = this.slotStartMs.data;
    const energy = this.energyMwh.data;
    const returned = this.returnedMwh.data;
    // The rows of each slot, by slot (most takes span one to three slots).
    const rowsBySlot = new Map<number, number[]>();
    let lastSlot = Number.NaN;
    let lastRows: number[] = [];
    let maxDevice = 0;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      if (slot !== lastSlot) {
        lastSlot = slot;
        let rows = rowsBySlot.get(slot);
        if (rows === undefined) {
          rows = [];
          rowsBySlot.set(slot, rows);
        }
        lastRows = rows;
      }
      lastRows.push(i);
      if (devices[i]! > maxDevice) maxDevice = devices[i]!;
    }
    this.reserveSums(maxDevice + 1);
    const seen = this.seen!;
    const sumEnergy = this.sumEnergy!;
    const sumReturned = this.sumReturned!;
    const out: CreditPiece[] = [];
    for (const slotStartMs of [...rowsBySlot.keys()].sort((a, b) => a - b)) {
      const rows = rowsBySlot.get(slotStartMs)!;
      const touched = new Int32Array(rows.length);
      let distinct = 0;
      for (const i of rows) {
        const device = devices[i]!;
        if (seen[device] === 0) {
          seen[device] = 1;
          touched[distinct++] = device;
          sumEnergy[device] = energy[i]!;
          sumReturned[device] = returned[i]!;
        } else {
          sumEnergy[device]! += energy[i]!;
          sumReturned[device]! += returned[i]!;
        }
      }
      const ordered = touched.subarray(0, distinct).sort();
      for (const device of ordered) {
        seen[device] = 0;
        out.push({
          device,
          slotStartMs,
          energyMwh: sumEnergy[device]!,
          returnedEnergyMwh: sumReturned[device]!,
        });
      }
    }
    return out;
  }

  /** Makes the per-device sums (reused from take to take) hold at least `devices`. */
  private reserveSums(devices: number): void {
    if (this.seen !== undefined && this.seen.length >= devices) return;
    const length = Math.max(1024, devices * 2);
    this.seen = new Uint8Array(length);
    this.sumEnergy = new Float64Array(length);
    this.sumReturned = new Float64Array(length);
  }
}
