import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectSumsHold, MINUTE, T0 } from "../test/helpers";
import { CaptureEncoder, captureBuffers, EnergyEngine, type EngineSnapshot } from "./index";

// FC_SEED=<seed> replays a run CI reported (fast-check prints the seed of a failure).
if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

/** A small fleet: 2 companies × 2 offices × 2 rooms × 2 devices × up to 2 meters. */
const DEVICES = Array.from({ length: 16 }, (_, i) => [
  `Co${i >> 3}`,
  `Off${(i >> 2) & 1}`,
  `Room${(i >> 1) & 1}`,
  `Dev${i & 1}`,
]);
const METERS = DEVICES.flatMap((path, d) =>
  [0, 1].map((ch) => ({ path, id: `switch:${ch}`, device: d })),
);

/** One step of the input stream. */
type Op =
  | { kind: "consume"; meter: number; dtMs: number; addWh: number; powerPercent: number }
  | {
      kind: "read";
      meter: number;
      dtMs: number;
      fault: "none" | "zero" | "spike" | "jitter" | "duplicate";
    }
  | { kind: "reset"; meter: number }
  | { kind: "returned"; meter: number; dtMs: number; addWh: number }
  | { kind: "availability"; device: number; online: boolean }
  | { kind: "changes"; dtMs: number };

/** Mostly a few meters, so that faults, consumption and readings of one meter interleave. */
const meterIndex = fc.oneof(fc.nat(3), fc.nat(3), fc.nat(METERS.length - 1));

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("consume" as const),
    meter: meterIndex,
    dtMs: fc.integer({ min: MINUTE, max: 10 * MINUTE }),
    // Whole mWh and mW, spread over the range (fast-check's doubles crowd near zero).
    addWh: fc.integer({ min: 0, max: 500_000 }).map((mwh) => mwh / 1000),
    // The power the meter reports at the end of the interval: its average power there, ±25 %.
    powerPercent: fc.integer({ min: 75, max: 125 }),
  }),
  fc.record({
    kind: fc.constant("read" as const),
    meter: meterIndex,
    dtMs: fc.integer({ min: MINUTE, max: 10 * MINUTE }),
    fault: fc.constantFrom("none", "none", "zero", "spike", "jitter", "duplicate"),
  }),
  fc.record({ kind: fc.constant("reset" as const), meter: meterIndex }),
  fc.record({
    kind: fc.constant("returned" as const),
    meter: meterIndex,
    dtMs: fc.integer({ min: MINUTE, max: 10 * MINUTE }),
    addWh: fc.integer({ min: 0, max: 100_000 }).map((mwh) => mwh / 1000),
  }),
  fc.record({
    kind: fc.constant("availability" as const),
    device: fc.nat(DEVICES.length - 1),
    online: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("changes" as const),
    dtMs: fc.integer({ min: 0, max: 30 * MINUTE }),
  }),
);

interface Truth {
  counterWh: number[];
  returnedWh: number[];
  /** mWh consumed after each meter's first reading, as the counter shows it (rounded like the engine). */
  consumedMwh: number[];
  seen: boolean[];
  lastReadMwh: number[];
  /** A fault was just emitted: the next reading of this meter must be a normal one. */
  mustReadNormally: boolean[];
  /** A reset happened and the counter has not yet been read twice growing. */
  resetOpen: boolean[];
  clockMs: number;
}

/** How many faults of each kind the generated streams injected (a guard on the generator). */
const injected = { zero: 0, spike: 0, jitter: 0, duplicate: 0, reset: 0 };

/** Turns ops into engine calls; returns the truth the faults were injected against. */
function play(
  engine: EnergyEngine,
  ops: readonly Op[],
  truth?: Truth,
  onStep?: () => void,
  finish = true,
): Truth {
  const t: Truth = truth ?? {
    counterWh: METERS.map(() => 0),
    returnedWh: METERS.map(() => 0),
    consumedMwh: METERS.map(() => 0),
    seen: METERS.map(() => false),
    lastReadMwh: METERS.map(() => 0),
    mustReadNormally: METERS.map(() => false),
    resetOpen: METERS.map(() => false),
    clockMs: T0,
  };
  const handle = (i: number) => {
    const found = engine.meter(METERS[i]!.path, METERS[i]!.id);
    if (!found.ok) throw new Error("refused");
    return found.meter;
  };
  const readNormally = (i: number) => {
    const mwh = Math.round(t.counterWh[i]! * 1000);
    if (t.seen[i]) t.consumedMwh[i]! += mwh - t.lastReadMwh[i]!;
    t.seen[i] = true;
    t.lastReadMwh[i] = mwh;
    t.mustReadNormally[i] = false;
    engine.ingest(handle(i), {
      tsMs: t.clockMs,
      energyWh: t.counterWh[i]!,
      returnedEnergyWh: t.returnedWh[i]!,
    });
  };
  for (const o of ops) {
    switch (o.kind) {
      case "consume":
        t.clockMs += o.dtMs;
        t.counterWh[o.meter]! += o.addWh;
        engine.ingest(handle(o.meter), {
          tsMs: t.clockMs,
          powerW: (((o.addWh * 3_600_000) / o.dtMs) * o.powerPercent) / 100,
        });
        break;
      case "returned":
        t.clockMs += o.dtMs;
        t.returnedWh[o.meter]! += o.addWh;
        engine.ingest(handle(o.meter), {
          tsMs: t.clockMs,
          powerW: -(o.addWh * 3_600_000) / o.dtMs,
        });
        break;
      case "reset":
        // Resets only from a counter large enough to drop "to near zero", one at a time, and
        // right after a reading: what a meter consumes between its last reading and a reset is
        // never reported by the device, so no accounting can know it (see README, "What is at risk").
        // Nor while the engine holds a rise the power did not explain: a restart before the next
        // reading confirms it leaves that rise unknowable (K5).
        if (
          t.seen[o.meter] &&
          engine.meterView(handle(o.meter)).held === undefined &&
          !t.resetOpen[o.meter] &&
          !t.mustReadNormally[o.meter] &&
          t.counterWh[o.meter]! >= 100 &&
          Math.round(t.counterWh[o.meter]! * 1000) === t.lastReadMwh[o.meter]
        ) {
          t.counterWh[o.meter] = 0;
          t.returnedWh[o.meter] = 0;
          t.resetOpen[o.meter] = true;
          t.lastReadMwh[o.meter] = 0;
          t.mustReadNormally[o.meter] = true;
          injected.reset++;
        }
        break;
      case "read": {
        t.clockMs += o.dtMs;
        const i = o.meter;
        const h = handle(i);
        if (o.fault === "none" || !t.seen[i] || t.mustReadNormally[i] || t.resetOpen[i]) {
          if (t.resetOpen[i]) {
            // After a reset the counter is read growing: first a value near zero, then above it.
            if (t.counterWh[i]! > 5) t.counterWh[i] = 5;
            readNormally(i);
            t.counterWh[i]! += 1;
            t.clockMs += MINUTE;
            readNormally(i);
            t.resetOpen[i] = false;
          } else {
            readNormally(i);
          }
          break;
        }
        const ref = t.counterWh[i]!;
        if (o.fault === "duplicate") {
          readNormally(i);
          engine.ingest(h, { tsMs: t.clockMs, energyWh: ref, returnedEnergyWh: t.returnedWh[i]! });
          injected.duplicate++;
        } else if (o.fault === "jitter") {
          // Just below the last value the engine saw (a restored value rounded down).
          engine.ingest(h, {
            tsMs: t.clockMs,
            energyWh: Math.max(0, t.lastReadMwh[i]! / 1000 - 0.0004),
          });
          injected.jitter++;
        } else if (o.fault === "zero" && ref >= 10) {
          engine.ingest(h, { tsMs: t.clockMs, energyWh: 0 });
          t.mustReadNormally[i] = true;
          injected.zero++;
        } else if (o.fault === "spike") {
          engine.ingest(h, { tsMs: t.clockMs, energyWh: ref * 1000 + 5_000_000 });
          t.mustReadNormally[i] = true;
          injected.spike++;
        }
        break;
      }
      case "availability":
        engine.setAvailability(DEVICES[o.device]!, o.online, t.clockMs);
        break;
      case "changes":
        t.clockMs += o.dtMs;
        engine.takeChanges(t.clockMs);
        break;
    }
    onStep?.();
  }
  // Close every open fault, and every reading the engine holds until the next one confirms it
  // (a rise beyond what the power reports explain, README "A held rise is confirmed by growth"),
  // with a normal reading, so the truth is fully observable.
  for (let i = 0; finish && i < METERS.length; i++) {
    const held = t.seen[i] && engine.meterView(handle(i)).held !== undefined;
    if (t.seen[i] && (t.mustReadNormally[i] || t.resetOpen[i] || held)) {
      t.clockMs += MINUTE;
      play(engine, [{ kind: "read", meter: i, dtMs: 0, fault: "none" }], t);
    }
  }
  return t;
}

const ops = fc.array(op, { minLength: 1, maxLength: 200, size: "max" });
const rootsTotal = (engine: EnergyEngine, now: number) =>
  engine.roots().reduce((sum, id) => sum + engine.view(id, now).energyMwh, 0);

describe("engine properties", () => {
  it("a parent always equals the sum of its children, after every step", () => {
    fc.assert(
      fc.property(ops, (stream) => {
        const engine = new EnergyEngine({ timeZone: "Europe/Lisbon" });
        let now = T0;
        const truth = play(engine, stream, undefined, () => {
          now += 1;
          expectSumsHold(engine, Math.max(now, T0));
        });
        expectSumsHold(engine, truth.clockMs);
      }),
      { numRuns: 40 },
    );
  });

  it("totals equal the injected truth exactly: resets, zeros, spikes, jitter and duplicates cost nothing", () => {
    fc.assert(
      fc.property(ops, (stream) => {
        const engine = new EnergyEngine();
        const truth = play(engine, stream);
        const expected = truth.consumedMwh.reduce((a, b) => a + b, 0);
        expect(rootsTotal(engine, truth.clockMs)).toBe(expected);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
    expect(Object.entries(injected).filter(([, count]) => count < 50)).toEqual([]);
  });

  it("duplicate deliveries never change anything", () => {
    fc.assert(
      fc.property(ops, (stream) => {
        const once = new EnergyEngine();
        play(once, stream);
        const twice = new EnergyEngine();
        const original = twice.ingest.bind(twice);
        twice.ingest = (meter, reading) => {
          original(meter, reading);
          return original(meter, reading);
        };
        play(twice, stream);
        expect(twice.snapshot()).toEqual(once.snapshot());
      }),
      { numRuns: 100 },
    );
  });

  it("settling queued effects at any time changes nothing a reader sees", () => {
    fc.assert(
      fc.property(ops, fc.array(fc.nat(3), { minLength: 1 }), (stream, amounts) => {
        const straight = new EnergyEngine();
        const truth = play(straight, stream);
        const settled = new EnergyEngine();
        let step = 0;
        play(settled, stream, undefined, () => {
          settled.settle(amounts[step++ % amounts.length]!);
        });
        // Nonsense counts settle nothing.
        expect(settled.settle(Number.NaN)).toBe(settled.settle(-3));
        expect(settled.snapshot()).toEqual(straight.snapshot());
        const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
        expect(sorted(settled.takeChanges(truth.clockMs))).toEqual(
          sorted(straight.takeChanges(truth.clockMs)),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("snapshot and restore at any point gives the same final state as an uninterrupted run", () => {
    fc.assert(
      fc.property(ops, fc.nat(), (stream, cutSeed) => {
        const cut = cutSeed % (stream.length + 1);
        const straight = new EnergyEngine({ timeZone: "Europe/Lisbon" });
        play(straight, stream);

        const before = new EnergyEngine({ timeZone: "Europe/Lisbon" });
        const truth = play(before, stream.slice(0, cut), undefined, undefined, false);
        const json: EngineSnapshot = JSON.parse(JSON.stringify(before.snapshot()));
        const restored = EnergyEngine.restore(json, { timeZone: "Europe/Lisbon" });
        if (!restored.ok) throw new Error(restored.error.message);
        play(restored.engine, stream.slice(cut), truth);
        expect(restored.engine.snapshot()).toEqual(straight.snapshot());
      }),
      { numRuns: 100 },
    );
  });

  /** JSON text of a document whose typed arrays are written as arrays (NaN as null). */
  const withViewsAsArrays = (document: unknown): string =>
    JSON.stringify(document, (_key, value) =>
      ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value,
    );

  it("captures, sent as a worker receives them and encoded there, are the snapshots of their instants", () => {
    fc.assert(
      fc.property(ops, fc.nat(), (stream, cutSeed) => {
        const cut = cutSeed % (stream.length + 1);
        const engine = new EnergyEngine({ timeZone: "Europe/Lisbon" });
        const encoder = new CaptureEncoder();
        const truth = play(engine, stream.slice(0, cut), undefined, undefined, false);
        const first = engine.capture();
        const atFirst = JSON.parse(JSON.stringify(engine.snapshot()));
        // The engine goes on while the capture is encoded elsewhere: the capture must not move.
        play(engine, stream.slice(cut), truth, undefined, false);
        const sent = structuredClone(first, { transfer: captureBuffers(first) });
        expect(JSON.parse(JSON.stringify(encoder.encode(sent)))).toEqual(atFirst);
        // Its buffers come back and carry the next capture (new names only).
        const back = structuredClone(sent, { transfer: captureBuffers(sent) });
        const second = engine.capture(back);
        const atSecond = JSON.parse(JSON.stringify(engine.snapshot()));
        const sentAgain = structuredClone(second, { transfer: captureBuffers(second) });
        const text = JSON.stringify(encoder.encode(sentAgain));
        expect(JSON.parse(text)).toEqual(atSecond);
        // With views, written as a JSON writer of typed arrays writes them: the same text.
        expect(withViewsAsArrays(encoder.encode(sentAgain, true))).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it("a capture taken in slices while the engine goes on is the snapshot of the instant it began", () => {
    fc.assert(
      fc.property(
        ops,
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(METERS.length + 3), { minLength: 1, maxLength: 8 }),
        (stream, cutSeed, slices, ratings) => {
          const cut = cutSeed % (stream.length + 1);
          const engine = new EnergyEngine({ timeZone: "Europe/Lisbon" });
          const encoder = new CaptureEncoder();
          const truth = play(engine, stream.slice(0, cut), undefined, undefined, false);
          const atBegin = JSON.parse(JSON.stringify(engine.snapshot()));
          const taking = engine.beginCapture();
          let k = 0;
          let done = taking.step(0);
          // Between slices: readings, availability, stale sweeps (the stream), and ratings, some
          // for meters the capture has not met (new ones).
          play(
            engine,
            stream.slice(cut),
            truth,
            () => {
              const pick = ratings[k % ratings.length]!;
              const meter = METERS[pick % METERS.length]!;
              const found = engine.meter(meter.path, pick >= METERS.length ? "em:9" : meter.id);
              if (found.ok) engine.setRatedPower(found.meter, 100 + pick * 37.5);
              if (!done) done = taking.step(slices[k % slices.length]!);
              k++;
            },
            false,
          );
          while (!taking.step(3));
          const sent = structuredClone(taking.capture, {
            transfer: captureBuffers(taking.capture),
          });
          expect(JSON.parse(JSON.stringify(encoder.encode(sent)))).toEqual(atBegin);
          // The next capture, at once, from the buffers handed back: the state of its instant.
          const back = structuredClone(sent, { transfer: captureBuffers(sent) });
          const next = engine.capture(back);
          expect(JSON.parse(JSON.stringify(encoder.encode(next)))).toEqual(
            JSON.parse(JSON.stringify(engine.snapshot())),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("lifetime totals never decrease", () => {
    fc.assert(
      fc.property(ops, (stream) => {
        const engine = new EnergyEngine();
        const last = new Map<number, number>();
        play(engine, stream, undefined, () => {
          for (let id = 0; id < engine.nodeCount; id++) {
            const v = engine.view(id, T0);
            expect(v.energyMwh).toBeGreaterThanOrEqual(last.get(id) ?? 0);
            expect(v.returnedEnergyMwh).toBeGreaterThanOrEqual(0);
            last.set(id, v.energyMwh);
          }
        });
      }),
      { numRuns: 60 },
    );
  });
});
