import { describe, expect, it } from "vitest";
import { expectSumsHold, MINUTE, setup, T0 } from "../test/helpers";

describe("live power and meter states", () => {
  it("sums the latest power of fresh meters and drops meters that go stale", () => {
    const { engine, meter, feed, node } = setup({ staleAfterMs: 10 * MINUTE });
    const a = meter("C/O/R/A");
    const b = meter("C/O/R/B");
    feed(a, [{ tsMs: T0, powerW: 118.4 }]);
    feed(b, [{ tsMs: T0 + 5 * MINUTE, powerW: 1843.7 }]);
    engine.takeChanges(T0 + 5 * MINUTE);
    expect(engine.view(node("C"), T0 + 5 * MINUTE)).toMatchObject({
      powerW: 1962.1,
      meters: { online: 2, stale: 0, offline: 0 },
      devices: { online: 2, stale: 0, offline: 0 },
    });
    // A has been silent for 10 minutes at T0 + 10 min: stale.
    const changed = engine.takeChanges(T0 + 10 * MINUTE);
    expect(changed.map((id) => engine.view(id, T0).path.join("/")).sort()).toEqual([
      "C",
      "C/O",
      "C/O/R",
      "C/O/R/A",
    ]);
    expect(engine.view(node("C"), T0 + 10 * MINUTE)).toMatchObject({
      powerW: 1843.7,
      meters: { online: 1, stale: 1, offline: 0 },
      devices: { online: 1, stale: 1, offline: 0 },
    });
    expect(engine.meterView(a).state).toBe("stale");
    // A reading brings it back.
    feed(a, [{ tsMs: T0 + 11 * MINUTE }]);
    expect(engine.view(node("C"), T0 + 11 * MINUTE).powerW).toBe(1962.1);
    expectSumsHold(engine, T0 + 11 * MINUTE);
  });

  it("an offline device (last will) leaves live power; a reading brings it back", () => {
    const { engine, meter, feed, node } = setup();
    const s0 = meter("C/O/R/Pro4PM", "switch:0");
    const s1 = meter("C/O/R/Pro4PM", "switch:1");
    const plug = meter("C/O/R/Plug");
    feed(s0, [{ tsMs: T0, powerW: 100 }]);
    feed(s1, [{ tsMs: T0, powerW: 200 }]);
    feed(plug, [{ tsMs: T0, powerW: 50 }]);
    expect(engine.setAvailability(["C", "O", "R", "Pro4PM"], false, T0 + MINUTE)).toBe(true);
    expect(engine.view(node("C/O/R"), T0 + MINUTE)).toMatchObject({
      powerW: 50,
      meters: { online: 1, stale: 0, offline: 2 },
      devices: { online: 1, stale: 0, offline: 1 },
    });
    expect(engine.meterView(s1).state).toBe("offline");
    feed(s0, [{ tsMs: T0 + 2 * MINUTE, powerW: 110 }]);
    expect(engine.view(node("C/O/R"), T0 + 2 * MINUTE)).toMatchObject({
      powerW: 360,
      meters: { online: 3, stale: 0, offline: 0 },
      devices: { online: 2, stale: 0, offline: 0 },
    });
    expectSumsHold(engine, T0 + 2 * MINUTE);
  });

  it("online=true after offline restores fresh meters as online and silent ones as stale", () => {
    const { engine, meter, feed, node } = setup({ staleAfterMs: 10 * MINUTE });
    const s0 = meter("C/O/R/D", "switch:0");
    const s1 = meter("C/O/R/D", "switch:1");
    feed(s0, [{ tsMs: T0, powerW: 10 }]);
    feed(s1, [{ tsMs: T0 + 8 * MINUTE, powerW: 20 }]);
    engine.setAvailability(node("C/O/R/D"), false, T0 + 9 * MINUTE);
    engine.setAvailability(node("C/O/R/D"), true, T0 + 12 * MINUTE);
    expect(engine.view(node("C/O/R/D"), T0 + 12 * MINUTE)).toMatchObject({
      powerW: 20,
      meters: { online: 1, stale: 1, offline: 0 },
      devices: { online: 1, stale: 0, offline: 0 },
    });
    expect(engine.setAvailability(["C", "O", "Nope", "D"], false, T0)).toBe(false);
    expect(engine.setAvailability(node("C/O"), false, T0)).toBe(false);
  });

  it("keeps power exact: adding and removing 0.1 W many times leaves exactly 0", () => {
    const { engine, meter, feed, node } = setup();
    const a = meter("C/O/R/A");
    for (let i = 0; i < 1000; i++) feed(a, [{ tsMs: T0 + i, powerW: i % 2 === 0 ? 0.1 : 0 }]);
    expect(engine.view(node("C"), T0 + 1000).powerW).toBe(0);
  });
});

describe("change tracking", () => {
  it("returns only the nodes whose values changed, each once, then forgets them", () => {
    const { engine, meter, feed, node } = setup();
    const a = meter("C/O/R/A");
    const b = meter("C/O2/R/B");
    feed(a, [{ tsMs: T0, energyWh: 1 }]);
    feed(b, [{ tsMs: T0, energyWh: 1 }]);
    expect(engine.takeChanges(T0)).toHaveLength(7);
    expect(engine.takeChanges(T0)).toEqual([]);
    feed(a, [{ tsMs: T0 + MINUTE, energyWh: 2 }]);
    feed(a, [{ tsMs: T0 + 2 * MINUTE, energyWh: 3 }]);
    expect(engine.takeChanges(T0 + 2 * MINUTE).sort()).toEqual(
      [node("C"), node("C/O"), node("C/O/R"), node("C/O/R/A")].sort(),
    );
    // Duplicates change nothing, so nothing is reported.
    feed(a, [{ tsMs: T0 + 3 * MINUTE, energyWh: 3 }]);
    expect(engine.takeChanges(T0 + 3 * MINUTE)).toEqual([]);
  });

  it("reports nodes whose hour total drops to 0 when a new hour starts", () => {
    const { engine, meter, feed, node } = setup({ staleAfterMs: 4 * 3_600_000 });
    const a = meter("C/O/R/A");
    feed(a, [
      { tsMs: T0 + 10 * MINUTE, energyWh: 1 },
      { tsMs: T0 + 20 * MINUTE, energyWh: 2 },
    ]);
    engine.takeChanges(T0 + 20 * MINUTE);
    expect(engine.takeChanges(T0 + 30 * MINUTE)).toEqual([]);
    expect(engine.takeChanges(T0 + 61 * MINUTE)).toHaveLength(4);
    expect(engine.view(node("C"), T0 + 61 * MINUTE).energyThisHourMwh).toBe(0);
  });
});
