import { describe, expect, it } from "vitest";
import { SHELLY_MODEL_RATINGS, shellyModelRating } from "./index";
import { generationFromDeviceId } from "./parse/generation";

/** The figure the table promises: rated current × 230 V × 1.25, rounded up to 10 W. */
function expectedW(currentA: number, phases = 1): number {
  return Math.ceil((currentA * phases * 230 * 1.25 - 1e-9) / 10) * 10;
}

describe("shellyModelRating", () => {
  it("finds a model by its bare prefix", () => {
    expect(shellyModelRating("shellyplusplugs")).toMatchObject({
      idPrefix: "shellyplusplugs",
      label: "Shelly Plus Plug S",
      generation: 2,
    });
    expect(shellyModelRating("shellypro4pm")?.maxPowerW).toBe(expectedW(16));
  });

  it("finds a model by a full device id with its MAC suffix", () => {
    expect(shellyModelRating("shellyplusplugs-a8032ab12345")?.idPrefix).toBe("shellyplusplugs");
    expect(shellyModelRating("shellypro4pm-30c6f7850a64")?.idPrefix).toBe("shellypro4pm");
    expect(shellyModelRating("shelly1pmminig3-543204a1b2c3")?.idPrefix).toBe("shelly1pmminig3");
    expect(shellyModelRating("shellyswitch25-C45BBE798F0F")?.idPrefix).toBe("shellyswitch25");
  });

  it("lets the longest matching prefix win", () => {
    expect(shellyModelRating("shellyplug-s-7AD4B1")?.idPrefix).toBe("shellyplug-s");
    expect(shellyModelRating("shellyplug-s-7AD4B1")?.maxPowerW).toBe(expectedW(10));
    expect(shellyModelRating("shellyplug-u1-7AD4B1")?.idPrefix).toBe("shellyplug-u1");
    expect(shellyModelRating("shellyplug-7AD4B1")?.idPrefix).toBe("shellyplug");
    expect(shellyModelRating("shellyplug-7AD4B1")?.maxPowerW).toBe(expectedW(16));
  });

  it("is case-insensitive", () => {
    expect(shellyModelRating("ShellyPlug-S-7AD4B1")?.idPrefix).toBe("shellyplug-s");
    expect(shellyModelRating("SHELLYPRO3EM-AABBCCDDEEFF")?.idPrefix).toBe("shellypro3em");
    expect(shellyModelRating("ShellyEM3-C45BBE798F0F")?.idPrefix).toBe("shellyem3");
  });

  it("keeps models whose names extend another model's name apart", () => {
    expect(shellyModelRating("shellyem-B9F355")?.label).toBe("Shelly EM");
    expect(shellyModelRating("shellyem3-B9F355")?.label).toBe("Shelly 3EM");
    expect(shellyModelRating("shellyemg3-a0b1c2d3e4f5")?.label).toBe("Shelly EM Gen3");
    expect(shellyModelRating("shelly1pm-B929CC")?.generation).toBe(1);
    expect(shellyModelRating("shelly1pmg4-a0b1c2d3e4f5")?.generation).toBe(4);
    expect(shellyModelRating("shellypro3em400-a0b1c2d3e4f5")?.maxPowerW).toBe(expectedW(400, 3));
  });

  it("rates a 3-phase em:0 meter for all three phases and single-channel meters per channel", () => {
    expect(shellyModelRating("shellypro3em")?.maxPowerW).toBe(103_500);
    expect(shellyModelRating("shellyem3")?.maxPowerW).toBe(34_500);
    expect(shellyModelRating("shellyproem50")?.maxPowerW).toBe(14_380);
    expect(shellyModelRating("shelly3em63g3")?.maxPowerW).toBe(54_340);
    expect(shellyModelRating("shellydimmer2")?.maxPowerW).toBe(320);
  });

  it("returns undefined for unknown ids and for names that only start like a known model", () => {
    expect(shellyModelRating("")).toBeUndefined();
    expect(shellyModelRating("-")).toBeUndefined();
    expect(shellyModelRating("shellyht-AABBCC")).toBeUndefined();
    expect(shellyModelRating("Coreflux/Porto/MeetingRoom/Light1")).toBeUndefined();
    expect(shellyModelRating("shellies/shellyplug-s-7AD4B1")).toBeUndefined();
    // An unknown model whose name extends a known one must not borrow its rating.
    expect(shellyModelRating("shellyplugsg4-a0b1c2d3e4f5")).toBeUndefined();
    expect(shellyModelRating("shellypro3emx-a0b1c2d3e4f5")).toBeUndefined();
    expect(shellyModelRating("x".repeat(100_000))).toBeUndefined();
    expect(shellyModelRating(`shellyplug-s-${"a".repeat(100_000)}`)?.idPrefix).toBe("shellyplug-s");
  });

  it("returns the table entry itself, which cannot be changed", () => {
    const entry = shellyModelRating("shellypmmini-a0b1c2d3e4f5");
    expect(SHELLY_MODEL_RATINGS).toContain(entry);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(SHELLY_MODEL_RATINGS)).toBe(true);
  });
});

describe("SHELLY_MODEL_RATINGS", () => {
  it("covers the simulator's models", () => {
    for (const prefix of [
      "shellyplusplugs",
      "shellypro4pm",
      "shellypmmini",
      "shellypro3em",
      "shellyplug-s",
      "shellyem",
    ]) {
      expect(shellyModelRating(prefix)?.idPrefix).toBe(prefix);
    }
  });

  it("has no duplicate prefixes, and every prefix is lower case without a trailing '-'", () => {
    const prefixes = SHELLY_MODEL_RATINGS.map((entry) => entry.idPrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const prefix of prefixes) {
      expect(prefix).toMatch(/^shelly[a-z0-9]+(?:-[a-z0-9]+)?$/);
    }
  });

  it("gives every entry a positive power in whole 10 W, a label and a basis", () => {
    expect(SHELLY_MODEL_RATINGS.length).toBeGreaterThanOrEqual(40);
    for (const entry of SHELLY_MODEL_RATINGS) {
      expect(entry.maxPowerW, entry.idPrefix).toBeGreaterThan(0);
      expect(Number.isInteger(entry.maxPowerW / 10), entry.idPrefix).toBe(true);
      expect(entry.label, entry.idPrefix).toMatch(/^Shelly /);
      expect(entry.basis.trim(), entry.idPrefix).not.toBe("");
      expect(shellyModelRating(entry.idPrefix), entry.idPrefix).toBe(entry);
    }
  });

  it("states in each basis the rated current and voltage its figure is computed from", () => {
    for (const entry of SHELLY_MODEL_RATINGS) {
      const match = /^(?:3 phases × )?([0-9.]+) A × ([0-9]+) V(?: DC)? × 1\.25; \S/.exec(
        entry.basis,
      );
      expect(match, entry.idPrefix).not.toBeNull();
      const currentA = Number(match?.[1]);
      const voltageV = Number(match?.[2]);
      const phases = entry.basis.startsWith("3 phases") ? 3 : 1;
      const raw = currentA * phases * voltageV * 1.25;
      expect(entry.maxPowerW, entry.idPrefix).toBe(Math.ceil((raw - 1e-9) / 10) * 10);
    }
  });

  it("agrees with the generation the parser derives from an RPC device id", () => {
    for (const entry of SHELLY_MODEL_RATINGS) {
      if (entry.generation === 1) continue;
      expect(generationFromDeviceId(`${entry.idPrefix}-a0b1c2d3e4f5`), entry.idPrefix).toBe(
        entry.generation,
      );
    }
  });
});
