import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ObjectPeriodLedger } from "../../test/period-ledger-objects";
import { PathTable } from "./packed-state";
import { PeriodLedger } from "./period-ledger";

const M = 60_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0);

/** 3 offices × 2 rooms × 3 devices: each device's paths, its own first, up to the company (""). */
const DEVICES: string[][] = [];
for (let o = 0; o < 3; o++)
  for (let r = 0; r < 2; r++)
    for (let d = 0; d < 3; d++) DEVICES.push([`O${o}/R${r}/D${d}`, `O${o}/R${r}`, `O${o}`, ""]);
/** Every node's path once (observations), keyed by its index here. */
const NODES = [...new Set(DEVICES.flat())];

type Op =
  | {
      op: "credit";
      device: number;
      slot: number;
      energy: number;
      returned: number;
      keyed: boolean;
      copy: boolean;
    }
  | { op: "observe"; node: number; powerW: number; online: number; stale: number; keyed: boolean }
  | { op: "advance"; ms: number }
  | { op: "cut"; maxRows: number | undefined; sliced: boolean }
  | { op: "dropStep" }
  | { op: "grow"; maxBytes: number }
  | { op: "restart" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("credit" as const),
      device: fc.nat(DEVICES.length - 1),
      slot: fc.integer({ min: -3, max: 1 }), // periods before now's (tracked or late) and the next
      energy: fc.oneof(fc.constant(0), fc.nat(5_000)),
      returned: fc.oneof(fc.constant(0), fc.nat(50)),
      keyed: fc.boolean(),
      copy: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("observe" as const),
      node: fc.nat(NODES.length - 1),
      powerW: fc.double({ min: 0, max: 4_000, noNaN: true }),
      online: fc.nat(9),
      stale: fc.nat(2),
      keyed: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.integer({ min: -130_000, max: 150_000 }), // a clock may go back,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("cut" as const),
      maxRows: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
      // With a time budget of 0: 64 rows at most, and a drop left to dropStep.
      sliced: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "dropStep" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("grow" as const), maxBytes: fc.nat(40_000) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "restart" as const }) },
);

/** A new ledger and an object ledger from the same start, and a way to do the same to both. */
function twins() {
  const ledger = new PeriodLedger(M, T0 - M);
  const oracle = new ObjectPeriodLedger(M, T0 - M);
  const both = (f: (l: PeriodLedger | ObjectPeriodLedger) => void) => {
    f(ledger);
    f(oracle);
  };
  return { ledger, oracle, both };
}

describe("PeriodLedger (entries in columns)", () => {
  it("gives the same batches, snapshots and packed ledgers as the object ledger it replaced", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 160 }), (ops) => {
        let nowMs = T0 + 5_000;
        let table = new PathTable();
        let oracleTable = new PathTable();
        let ledger = new PeriodLedger(M, nowMs - M, undefined, table);
        let oracle = new ObjectPeriodLedger(M, nowMs - M, undefined, oracleTable);
        const same = () => {
          expect(ledger.changedRows).toBe(oracle.changedRows);
          expect(ledger.changed).toBe(oracle.changed);
          expect(ledger.size).toBe(oracle.size);
          expect(ledger.upcomingSeq).toBe(oracle.upcomingSeq);
          // A drop under way still counts the entries below the floor it has not reached.
          if (!ledger.dropping) expect(ledger.packedEntries).toBe(oracle.packedEntries);
        };
        for (const step of ops) {
          const slotOfNow = Math.floor(nowMs / M) * M;
          switch (step.op) {
            case "credit": {
              const paths = step.copy ? [...DEVICES[step.device]!] : DEVICES[step.device]!;
              const key = step.keyed ? step.device : undefined;
              const slot = slotOfNow + step.slot * M;
              ledger.credit(paths, slot, step.energy, step.returned, key);
              oracle.credit(paths, slot, step.energy, step.returned, key);
              break;
            }
            case "observe": {
              const devices = { online: step.online, stale: step.stale, offline: 1 };
              const key = step.keyed ? step.node : undefined;
              ledger.observe(NODES[step.node]!, nowMs, step.powerW, devices, key);
              oracle.observe(NODES[step.node]!, nowMs, step.powerW, devices, key);
              break;
            }
            case "advance":
              nowMs += step.ms;
              break;
            case "cut": {
              const b = ledger.cut(nowMs, undefined, step.maxRows, step.sliced ? 0 : undefined);
              // A cut the budget stopped holds the first rows a cut of that many would hold.
              const o = oracle.cut(nowMs, undefined, step.sliced ? b?.size : step.maxRows);
              expect(b?.seq).toBe(o?.seq);
              expect(b?.rows).toEqual(o?.rows);
              if (step.sliced) break; // the snapshot below would finish a drop under way
              // Right after a cut that left nothing to write the state file's parts agree too:
              // a snapshot holds each entry as of the cut that last wrote it (the object ledger
              // read observations live), and the service takes one only after cutting
              // everything (`HistoryOutput.absorb`). After a cut of at most `maxRows` they may
              // differ (found by a seed at run 7,778: credit, cut 1 row, observe, cut 1 row).
              if (oracle.changed) break;
              expect(ledger.snapshot()).toEqual(oracle.snapshot());
              const packed = ledger.pack();
              const expected = oracle.pack();
              expect(packed.values).toEqual(expected.values);
              expect([...packed.path].map((i) => table.paths[i])).toEqual(
                [...expected.path].map((i) => oracleTable.paths[i]),
              );
              break;
            }
            case "grow":
              ledger.prepareGrowth(step.maxBytes);
              break;
            case "dropStep":
              ledger.dropStep(0);
              break;
            case "restart": {
              // As the service restarts: from a state taken right after a cut (the object
              // ledger's snapshot read observations made after its cut, too; the columns' do not).
              expect(ledger.cut(nowMs)?.rows).toEqual(oracle.cut(nowMs)?.rows);
              const saved = ledger.snapshot();
              expect(saved).toEqual(oracle.snapshot());
              table = new PathTable();
              oracleTable = new PathTable();
              ledger = new PeriodLedger(M, nowMs, saved, table);
              oracle = new ObjectPeriodLedger(M, nowMs, saved, oracleTable);
              break;
            }
          }
          same();
        }
      }),
      { numRuns: 400 },
    );
  });

  it("forgets a dropped period it used last: a clock gone back observes into a period of its own", () => {
    const { ledger, oracle, both } = twins();
    both((l) => l.credit(DEVICES[0]!, T0 + M, 10, 0, 0)); // the next period's
    both((l) => l.credit(DEVICES[1]!, T0, 20, 0, 1)); // used last: T0's
    expect(ledger.cut(T0 + 3 * M)?.rows).toEqual(oracle.cut(T0 + 3 * M)?.rows); // floor past T0
    const devices = { online: 1, stale: 0, offline: 0 };
    both((l) => l.observe(NODES[0]!, T0 + 5_000, 100, devices, 0)); // the clock went back to T0
    both((l) => l.observe(NODES[1]!, T0 + 4 * M, 50, devices, 1)); // a new period, after it
    expect(ledger.size).toBe(oracle.size);
    expect(ledger.cut(T0 + 4 * M)?.rows).toEqual(oracle.cut(T0 + 4 * M)?.rows);
    expect(ledger.snapshot()).toEqual(oracle.snapshot());
  });

  it("drops a period over many steps while credits, observations and cuts go on, as one drop would", () => {
    // 600 devices: 711 nodes, entries in three periods; a drop step visits 1,024 at most.
    const fleet: string[][] = [];
    for (let o = 0; o < 10; o++)
      for (let r = 0; r < 10; r++)
        for (let d = 0; d < 6; d++) fleet.push([`O${o}/R${r}/D${d}`, `O${o}/R${r}`, `O${o}`, ""]);
    const { ledger, oracle, both } = twins();
    const creditAll = (slotMs: number, energy: number) => {
      for (const [d, paths] of fleet.entries()) {
        both((l) => l.credit(paths, slotMs, energy + d, 0, d));
      }
    };
    /** Cuts with a budget of 0 (64 rows a cut) until nothing is left, each beside the oracle. */
    const cutSliced = (nowMs: number) => {
      for (;;) {
        const b = ledger.cut(nowMs, undefined, undefined, 0);
        const o = oracle.cut(nowMs, undefined, b?.size);
        expect(b?.rows).toEqual(o?.rows);
        if (b === undefined) return;
        expect(b.size).toBeLessThanOrEqual(64);
      }
    };
    creditAll(T0, 10);
    creditAll(T0 + M, 20);
    cutSliced(T0 + M + 1_000);
    creditAll(T0 + 2 * M, 30);
    cutSliced(T0 + 2 * M + 1_000); // the floor moves past T0: its 711 entries go
    expect(ledger.dropping).toBe(true);
    let steps = 0;
    const devices = { online: 1, stale: 0, offline: 0 };
    while (ledger.dropStep(0)) {
      steps++;
      // Meanwhile: a late credit to the dropped period, the current one's, an observation.
      both((l) => l.credit(fleet[steps]!, T0, 5, 0, steps));
      both((l) => l.credit(fleet[steps]!, T0 + 2 * M, 7, 1, steps));
      both((l) => l.observe(`O${steps}`, T0 + 2 * M + 2_000, 100 * steps, devices));
      cutSliced(T0 + 2 * M + 2_000);
    }
    expect(steps).toBeGreaterThanOrEqual(2);
    expect(ledger.dropping).toBe(false);
    expect(ledger.packedEntries).toBe(oracle.packedEntries);
    expect(ledger.snapshot()).toEqual(oracle.snapshot());
    expect(ledger.pack().values).toEqual(oracle.pack().values);
    // A pack while a drop is under way finishes it first.
    creditAll(T0 + 3 * M, 40);
    cutSliced(T0 + 3 * M + 1_000);
    expect(ledger.dropping).toBe(true);
    expect(ledger.pack().values).toEqual(oracle.pack().values);
    expect(ledger.dropping).toBe(false);
    expect(ledger.snapshot()).toEqual(oracle.snapshot());
  });

  it("keeps the period a clock gone back makes below the floor while a drop is under way", () => {
    const { ledger, oracle, both } = twins();
    both((l) => l.credit(DEVICES[0]!, T0, 10, 0, 0));
    both((l) => l.credit(DEVICES[1]!, T0 + M, 20, 0, 1));
    // Floor past T0; with a budget the drop of T0's entries waits for dropStep.
    expect(ledger.cut(T0 + 2 * M, undefined, undefined, 0)?.rows).toEqual(
      oracle.cut(T0 + 2 * M)?.rows,
    );
    expect(ledger.dropping).toBe(true);
    const devices = { online: 1, stale: 0, offline: 0 };
    both((l) => l.observe(NODES[0]!, T0 + 5_000, 100, devices, 0)); // the clock went back to T0
    expect(ledger.cut(T0 + 5_000, undefined, undefined, 0)?.rows).toEqual(
      oracle.cut(T0 + 5_000)?.rows,
    );
    expect(ledger.dropStep(0)).toBe(false); // T0's old entries go, the new period's stay
    both((l) => l.credit(DEVICES[2]!, T0 + M, 30, 0, 2)); // new entries: freed ones first
    both((l) => l.observe(NODES[0]!, T0 + 6_000, 300, devices, 0));
    expect(ledger.cut(T0 + 6_000)?.rows).toEqual(oracle.cut(T0 + 6_000)?.rows);
    expect(ledger.snapshot()).toEqual(oracle.snapshot());
  });

  it("reuses a dropped period's entries: a steady fleet does not grow the ledger period after period", () => {
    const ledger = new PeriodLedger(M, T0 - M);
    const oracle = new ObjectPeriodLedger(M, T0 - M);
    for (let minute = 0; minute < 30; minute++) {
      const nowMs = T0 + minute * M + 1_000;
      for (let d = 0; d < DEVICES.length; d++) {
        ledger.credit(DEVICES[d]!, T0 + minute * M, d + 1, 0, d);
        oracle.credit(DEVICES[d]!, T0 + minute * M, d + 1, 0, d);
      }
      expect(ledger.cut(nowMs)?.rows).toEqual(oracle.cut(nowMs)?.rows);
    }
    // Two periods tracked (the current and the previous): 2 × 28 nodes; a third period's
    // entries are made before the oldest is dropped (by the cut after them).
    expect(ledger.size).toBe(56);
    expect(ledger.entriesMade).toBe(84);
    expect(ledger.packedEntries).toBe(56);
    expect(ledger.snapshot()).toEqual(oracle.snapshot());
  });
});
