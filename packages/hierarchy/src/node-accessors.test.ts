import { describe, expect, it } from "vitest";
import { createEnergyEngine } from "./engine";

const T0 = Date.UTC(2026, 5, 11, 8, 0, 0);

describe("node accessors", () => {
  it("name, parent and live state agree with the view, without settling queued readings", () => {
    const engine = createEnergyEngine({ timeZone: "Europe/Lisbon" });
    const handle = (path: string[]): number => {
      const found = engine.meter(path, "switch:0");
      if (!found.ok) throw new Error(found.reason);
      return found.meter;
    };
    const plug = handle(["Acme", "Porto", "Kitchen", "Plug"]);
    const fridge = handle(["Acme", "Porto", "Kitchen", "Fridge"]);
    engine.ingestValues(plug, T0, 100, 40);
    engine.ingestValues(fridge, T0, 200, 60);
    engine.takeChanges(T0);
    const kitchen = engine.findNode(["Acme", "Porto", "Kitchen"])!;
    const device = engine.findNode(["Acme", "Porto", "Kitchen", "Plug"])!;
    expect(engine.nameOf(device)).toBe("Plug");
    expect(engine.parentOf(device)).toBe(kitchen);
    const company = engine.findNode(["Acme"])!;
    expect(engine.parentOf(company)).toBeUndefined();
    expect(engine.nameOf(company)).toBe("Acme");
    expect(engine.pathOf(device)).toEqual(["Acme", "Porto", "Kitchen", "Plug"]);
    expect(engine.pathOf(company)).toEqual(["Acme"]);
    expect(() => engine.pathOf(999)).toThrow();

    const view = engine.view(kitchen, T0);
    expect(engine.liveState(kitchen)).toEqual({ powerW: view.powerW, devices: view.devices });
    expect(engine.liveState(kitchen).powerW).toBe(100);

    // A reading not settled yet: the live state is as of the last settle; a view settles it.
    engine.ingestValues(plug, T0 + 10_000, 100.1, 140);
    expect(engine.liveState(kitchen).powerW).toBe(100);
    expect(engine.view(kitchen, T0 + 10_000).powerW).toBe(200);
    expect(engine.liveState(kitchen).powerW).toBe(200);
    expect(() => engine.nameOf(999)).toThrow();
    expect(() => engine.liveState(-1)).toThrow();
  });
});
