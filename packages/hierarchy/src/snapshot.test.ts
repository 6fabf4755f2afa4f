import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HOUR, MINUTE, setup, T0 } from "../test/helpers";
import {
  CaptureEncoder,
  captureBuffers,
  captureRoom,
  EnergyEngine,
  emptyCapture,
  encodeCapture,
  reserveCapture,
  SNAPSHOT_VERSION,
} from "./index";

function populated() {
  const s = setup({ timeZone: "Europe/Lisbon" });
  const a = s.meter("Coreflux/Porto/MeetingRoom/Light1");
  const b = s.meter("Coreflux/Lisbon/Lab/Pro3EM", "emdata:0");
  s.feed(a, [
    { tsMs: T0, energyWh: 1203.554, powerW: 42.7 },
    { tsMs: T0 + MINUTE, energyWh: 1204.266, powerW: 42.9 },
    { tsMs: T0 + 2 * MINUTE, energyWh: 0 },
  ]);
  s.feed(b, [
    { tsMs: T0, energyWh: 3_089_773.4, returnedEnergyWh: 1_875_498.24 },
    { tsMs: T0 + MINUTE, energyWh: 3_089_790.4, returnedEnergyWh: 1_875_499.24 },
  ]);
  return { ...s, a, b };
}

const roundTrip = (engine: EnergyEngine) => JSON.parse(JSON.stringify(engine.snapshot()));

describe("snapshot and restore", () => {
  it("restores exactly and continues as if it never stopped, including a held-back drop", () => {
    const original = populated();
    const restored = EnergyEngine.restore(roundTrip(original.engine), {
      timeZone: "Europe/Lisbon",
    });
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.warnings).toEqual([]);
    const copy = restored.engine;
    expect(copy.snapshot()).toEqual(original.engine.snapshot());

    // The held-back 0 on Light1 turns out to be a reset in both.
    const next = { tsMs: T0 + 3 * MINUTE, energyWh: 0.5 };
    expect(copy.ingest(original.a, next)).toBe("reset");
    expect(original.engine.ingest(original.a, next)).toBe("reset");
    expect(copy.snapshot()).toEqual(original.engine.snapshot());
    const company = copy.findNode(["Coreflux"])!;
    expect(copy.view(company, T0 + 3 * MINUTE)).toEqual(
      original.engine.view(company, T0 + 3 * MINUTE),
    );
  });

  it("a capture encodes to the snapshot of its instant, elsewhere and later, and restores the same", () => {
    const original = populated();
    const capture = original.engine.capture();
    const atCapture = roundTrip(original.engine);
    // The engine moves on; the capture (copies) does not.
    original.engine.ingest(original.a, { tsMs: T0 + 3 * MINUTE, energyWh: 0.5 });
    const received = structuredClone(capture, { transfer: captureBuffers(capture) });
    const encoded = JSON.parse(JSON.stringify(encodeCapture(received)));
    expect(encoded).toEqual(atCapture);
    const restored = EnergyEngine.restore(encoded, { timeZone: "Europe/Lisbon" });
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.engine.ingest(original.a, { tsMs: T0 + 3 * MINUTE, energyWh: 0.5 })).toBe(
      "reset",
    );
    expect(restored.engine.snapshot()).toEqual(original.engine.snapshot());
  });

  it("a series of captures reuses the buffers and sends only the names added since", () => {
    const s = populated();
    const encoder = new CaptureEncoder();
    const first = s.engine.capture();
    expect(first.nodes.nameFrom).toBe(0);
    encoder.encode(first);
    const c = s.meter("Coreflux/Porto/Kitchen/Kettle");
    s.feed(c, [{ tsMs: T0 + 3 * MINUTE, energyWh: 10 }]);
    const second = s.engine.capture(first);
    expect(second.nodes.name).toEqual(["Kitchen", "Kettle"]);
    expect(second.meters.meterId).toEqual(["switch:0"]);
    expect(second.meters.active.refMwh!.buffer).toBe(first.meters.active.refMwh!.buffer);
    expect(JSON.parse(JSON.stringify(encoder.encode(second)))).toEqual(roundTrip(s.engine));
    // Room for growth, resident, reused by the next capture; the values stay what they were.
    reserveCapture(second, 10);
    expect(second.meters.active.refMwh!.buffer.byteLength).toBe(10 * 3 * 8);
    expect(second.meters.active.refMwh!.length).toBe(3);
    const third = s.engine.capture(second);
    expect(third.meters.active.refMwh!.buffer).toBe(second.meters.active.refMwh!.buffer);
    expect(JSON.parse(JSON.stringify(encoder.encode(third)))).toEqual(roundTrip(s.engine));
    // A fresh encoder has not seen the names the second capture leaves out.
    expect(() => new CaptureEncoder().encode(second)).toThrow(/names this encoder has not seen/);
  });

  it("a capture in slices copies a slice per step, and one abandoned for another cannot be completed", () => {
    const s = populated();
    const atBegin = roundTrip(s.engine);
    const taking = s.engine.beginCapture();
    // Two meters: a step of one copies the first; a reading of the second before its slice
    // changes nothing in the capture.
    expect(taking.step(1)).toBe(false);
    s.feed(s.b, [{ tsMs: T0 + 2 * MINUTE, energyWh: 3_089_801.4, returnedEnergyWh: 1_875_500 }]);
    expect(taking.step(1)).toBe(true);
    expect(taking.done).toBe(true);
    expect(JSON.parse(JSON.stringify(new CaptureEncoder().encode(taking.capture)))).toEqual(
      atBegin,
    );
    // Another capture begun (or taken at once) while one is in progress abandons it.
    const first = s.engine.beginCapture();
    s.engine.beginCapture();
    expect(() => first.step()).toThrow(/abandoned/);
    const second = s.engine.beginCapture();
    s.engine.capture();
    expect(() => second.step(1)).toThrow(/abandoned/);
  });

  it("an empty capture made ahead holds the first real capture without allocating", () => {
    const s = populated();
    const blank = emptyCapture({ nodes: 40, meters: 20 });
    expect(blank.nodes.count).toBe(0);
    expect(captureRoom(blank)).toEqual({ nodes: 40, meters: 20 });
    // Across a thread and back, as the state writer's worker hands it over.
    const received = structuredClone(blank, { transfer: captureBuffers(blank) });
    const first = s.engine.capture(received);
    expect(first.nodes.nameFrom).toBe(0);
    expect(first.meters.active.refMwh!.buffer).toBe(received.meters.active.refMwh!.buffer);
    expect(first.nodes.columns.parent!.buffer).toBe(received.nodes.columns.parent!.buffer);
    expect(first.freshNext.buffer).toBe(received.freshNext.buffer);
    expect(JSON.parse(JSON.stringify(encodeCapture(first)))).toEqual(roundTrip(s.engine));
    // Room asked for beyond the headroom, for a fleet that grew faster than it.
    reserveCapture(first, 1.25, { nodes: 100, meters: 60 });
    expect(captureRoom(first)).toEqual({ nodes: 100, meters: 60 });
    reserveCapture(first, 1.25, { nodes: 10, meters: 10 });
    expect(captureRoom(first)).toEqual({ nodes: 100, meters: 60 });
  });

  it("encodeCapture refuses what is not a capture of this release", () => {
    expect(() => encodeCapture({} as never)).toThrow(TypeError);
    const capture = populated().engine.capture();
    capture.meters.columns.energyMwh = new Float64Array(1);
    expect(() => encodeCapture(capture)).toThrow(/column energyMwh/);
    const other = populated().engine.capture();
    expect(() => setup().engine.capture(other)).toThrow(/not of this engine/);
    // Freshness links that run in a circle or leave the meters.
    const circle = populated().engine.capture();
    expect(circle.freshHead).toBeGreaterThanOrEqual(0);
    circle.freshNext[circle.freshHead] = circle.freshHead;
    expect(() => encodeCapture(circle)).toThrow(/freshness links/);
    const outside = populated().engine.capture();
    outside.freshHead = outside.meters.count;
    expect(() => encodeCapture(outside)).toThrow(/freshness links/);
  });

  it("credits the whole gap when the first reading after a restore comes hours later", () => {
    const original = populated();
    const restored = EnergyEngine.restore(roundTrip(original.engine), {
      timeZone: "Europe/Lisbon",
    });
    if (!restored.ok) throw new Error(restored.error.message);
    const before = restored.engine.view(
      restored.engine.findNode(["Coreflux", "Lisbon"])!,
      T0,
    ).energyMwh;
    // 5 hours later the 3EM counter moved by 12.345 kWh while we were down.
    expect(restored.engine.ingest(original.b, { tsMs: T0 + 5 * HOUR, energyWh: 3_102_135.4 })).toBe(
      "accepted",
    );
    const after = restored.engine.view(
      restored.engine.findNode(["Coreflux", "Lisbon"])!,
      T0 + 5 * HOUR,
    );
    expect(after.energyMwh - before).toBe(12_345_000);
  });

  it("marks every node as changed after a restore, so the first publish is complete", () => {
    const original = populated();
    const restored = EnergyEngine.restore(roundTrip(original.engine), {
      timeZone: "Europe/Lisbon",
    });
    if (!restored.ok) throw new Error(restored.error.message);
    expect(restored.engine.takeChanges(T0 + 2 * MINUTE)).toHaveLength(original.engine.nodeCount);
  });

  it("warns when the time zone changed", () => {
    const restored = EnergyEngine.restore(roundTrip(populated().engine), { timeZone: "UTC" });
    expect(restored.ok && restored.warnings[0]).toMatch(/Europe\/Lisbon.*UTC/);
  });

  it("returns typed errors for anything that is not a valid snapshot, never throws", () => {
    const good = roundTrip(populated().engine);
    const cases: Array<[unknown, string, RegExp]> = [
      [null, "NOT_A_SNAPSHOT", /not a coreflux/],
      ["{}", "NOT_A_SNAPSHOT", /not a coreflux/],
      [
        { ...good, version: SNAPSHOT_VERSION + 1 },
        "UNSUPPORTED_VERSION",
        /version 3 is not supported/,
      ],
      [
        { ...good, nodes: { ...good.nodes, parent: [-1] } },
        "CORRUPT_SNAPSHOT",
        /nodes.parent has 1 entries/,
      ],
      [
        { ...good, meters: { ...good.meters, energyMwh: good.meters.energyMwh.map(() => 1.5) } },
        "CORRUPT_SNAPSHOT",
        /energyMwh\[0\] is invalid/,
      ],
      [
        {
          ...good,
          nodes: {
            ...good.nodes,
            energyMwh: good.nodes.energyMwh.map((v: number, i: number) => (i === 0 ? v + 1 : v)),
          },
        },
        "CORRUPT_SNAPSHOT",
        /not the sum/,
      ],
      [
        { ...good, meters: { ...good.meters, device: good.meters.device.map(() => 0) } },
        "CORRUPT_SNAPSHOT",
        /nodes.parent\[1\] = 0 is a device/,
      ],
      [
        { ...good, meters: { ...good.meters, pending: "x" } },
        "CORRUPT_SNAPSHOT",
        /meters.pending is not an object/,
      ],
      [
        { ...good, meters: { ...good.meters, meterId: good.meters.meterId.map(() => 7) } },
        "CORRUPT_SNAPSHOT",
        /meters.meterId\[0\] is invalid/,
      ],
      [
        { ...good, nodes: { ...good.nodes, availability: { at: [0], value: [3] } } },
        "CORRUPT_SNAPSHOT",
        /nodes.availability.value\[0\] is invalid/,
      ],
      [
        { ...good, freshness: { meter: [], keyMs: [] } },
        "CORRUPT_SNAPSHOT",
        /online but not in freshness/,
      ],
      [
        { ...good, nodes: { ...good.nodes, name: good.nodes.name.map(() => "Same") } },
        "CORRUPT_SNAPSHOT",
        /repeats a sibling's name/,
      ],
      [
        { ...good, nodes: { ...good.nodes, parent: good.nodes.parent.map(() => 5) } },
        "CORRUPT_SNAPSHOT",
        /does not name an earlier node/,
      ],
    ];
    for (const [input, code, message] of cases) {
      const result = EnergyEngine.restore(input);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe(code);
        expect(result.error.message).toMatch(message);
      }
    }
  });

  it("restores an empty engine", () => {
    const restored = EnergyEngine.restore(roundTrip(new EnergyEngine()));
    expect(restored.ok && restored.engine.nodeCount).toBe(0);
  });

  it("restores a version 1 snapshot (0.1.x) exactly and continues under the new rules", () => {
    const v1 = JSON.parse(
      readFileSync(new URL("../test/fixtures/snapshot-v1.json", import.meta.url), "utf8"),
    );
    expect(v1.version).toBe(1);
    const restored = EnergyEngine.restore(v1, { timeZone: "Europe/Lisbon" });
    if (!restored.ok) throw new Error(restored.error.message);
    const engine = restored.engine;
    const at = (path: string) => engine.view(engine.findNode(path.split("/"))!, T0 + 2 * MINUTE);
    // Every total as the old engine left it, to the mWh.
    expect(at("Coreflux").energyMwh).toBe(19_212);
    expect(at("Coreflux/Lisbon/Lab/Pro3EM").returnedEnergyMwh).toBe(1000);
    expect(at("Coreflux").energyTodayMwh).toBe(19_212);
    expect(at("Coreflux/Porto/MeetingRoom/Light1").devices).toEqual({
      online: 0,
      stale: 0,
      offline: 1,
    });
    // The Fridge's held-back 0 is confirmed as a restart by growth, as it would have been.
    const fridge = engine.meter(["Coreflux", "Lisbon", "Lab", "Fridge"], "switch:0");
    if (!fridge.ok) throw new Error("no fridge");
    expect(engine.meterView(fridge.meter).held).toBe("drop");
    expect(engine.ingest(fridge.meter, { tsMs: T0 + 3 * MINUTE, energyWh: 1.5, powerW: 90 })).toBe(
      "reset",
    );
    expect(at("Coreflux").energyMwh).toBe(19_212 + 1500);
    // It now writes version 2, which round-trips.
    const v2 = roundTrip(engine);
    expect(v2.version).toBe(SNAPSHOT_VERSION);
    const again = EnergyEngine.restore(v2, { timeZone: "Europe/Lisbon" });
    expect(again.ok && again.engine.snapshot()).toEqual(engine.snapshot());
  });
});
