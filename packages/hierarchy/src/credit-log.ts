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

  /** The recorded parts added up by device and slot, ordered by slot then device; then forgets them. */
  take(): CreditPiece[] {
    const bySlot = new Map<number, Map<number, CreditPiece>>();
    const out: CreditPiece[] = [];
    for (let i = 0; i < this.count; i++) {
      const device = this.device.data[i]!;
      const slotStartMs = this.slotStartMs.data[i]!;
      let byDevice = bySlot.get(slotStartMs);
      if (byDevice === undefined) {
        byDevice = new Map();
        bySlot.set(slotStartMs, byDevice);
      }
      const piece = byDevice.get(device);
      if (piece === undefined) {
        const created: CreditPiece = {
          device,
          slotStartMs,
          energyMwh: this.energyMwh.data[i]!,
          returnedEnergyMwh: this.returnedMwh.data[i]!,
        };
        byDevice.set(device, created);
        out.push(created);
      } else {
        piece.energyMwh += this.energyMwh.data[i]!;
        piece.returnedEnergyMwh += this.returnedMwh.data[i]!;
      }
    }
    this.count = 0;
    return out.sort((a, b) => a.slotStartMs - b.slotStartMs || a.device - b.device);
  }
}
