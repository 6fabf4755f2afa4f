import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CreditLog } from "./credit-log";
import type { CreditPiece } from "./types";

const SLOT_MS = 60_000;
const T0 = Date.UTC(2026, 11, 7, 9, 0);

/** A credit part as recorded: device, slot index from T0, energy and returned energy, mWh. */
type Part = [number, number, number, number];

/** What take() must give, the plain way: sums per (slot, device) in recorded order, sorted. */
function expected(parts: readonly Part[]): CreditPiece[] {
  const byKey = new Map<string, CreditPiece>();
  for (const [device, slot, energyMwh, returnedEnergyMwh] of parts) {
    const slotStartMs = T0 + slot * SLOT_MS;
    const key = `${slotStartMs}/${device}`;
    const piece = byKey.get(key);
    if (piece === undefined) byKey.set(key, { device, slotStartMs, energyMwh, returnedEnergyMwh });
    else {
      piece.energyMwh += energyMwh;
      piece.returnedEnergyMwh += returnedEnergyMwh;
    }
  }
  return [...byKey.values()].sort((a, b) => a.slotStartMs - b.slotStartMs || a.device - b.device);
}

const partArb: fc.Arbitrary<Part> = fc.tuple(
  fc.oneof(fc.nat(12), fc.nat(5_000)), // few devices (many sums) or many
  fc.integer({ min: -200, max: 3 }), // a device back after hours credits many slots
  fc.oneof(fc.nat(10_000), fc.double({ min: 0, max: 1e6, noNaN: true })),
  fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true })),
);

describe("CreditLog", () => {
  it("adds up the parts by slot and device, ordered by slot then device, take after take", () => {
    const log = new CreditLog(SLOT_MS);
    fc.assert(
      fc.property(fc.array(fc.array(partArb, { maxLength: 300 }), { maxLength: 4 }), (takes) => {
        for (const parts of takes) {
          for (const [device, slot, energy, returned] of parts)
            log.add(device, T0 + slot * SLOT_MS, energy, returned);
          expect(log.size).toBe(parts.length);
          // Exact, not close: the same additions in the same order.
          expect(log.take()).toEqual(expected(parts));
          expect(log.size).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives nothing when nothing was recorded, and forgets what it gave", () => {
    const log = new CreditLog(SLOT_MS);
    expect(log.take()).toEqual([]);
    log.add(7, T0, 5, 0);
    log.add(3, T0, 2, 1);
    log.add(7, T0, 1, 0);
    expect(log.take()).toEqual([
      { device: 3, slotStartMs: T0, energyMwh: 2, returnedEnergyMwh: 1 },
      { device: 7, slotStartMs: T0, energyMwh: 6, returnedEnergyMwh: 0 },
    ]);
    expect(log.take()).toEqual([]);
    // A device id past the sums' first size makes them grow.
    log.add(100_000, T0 + SLOT_MS, 9, 0);
    log.add(7, T0 + SLOT_MS, 4, 0);
    expect(log.take().map((p) => p.device)).toEqual([7, 100_000]);
  });
});
