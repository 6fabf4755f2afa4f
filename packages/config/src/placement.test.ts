import { describe, expect, it } from "vitest";
import { Placement } from "./placement";

describe("Placement", () => {
  const placement = new Placement("Coreflux", [
    { match: "shellies/shellyplug-s-7AD4B1", path: "Porto/Kitchen/Fridge" },
    { match: "shellyem-7C87CE", path: "Porto/Plant/GridMeter" },
    { match: "shellyplusplugs-c82e18a1b2c3", path: "Lisbon/Lab/Plug" },
    { match: "Coreflux/Old/Prefix/Too/Deep", path: "Lisbon/Lab/Deep" },
  ]);

  it("places <Company>/<Office>/<Room>/<Device> prefixes by themselves", () => {
    expect(placement.place("Coreflux/Porto/MeetingRoom/Light1", undefined)).toEqual([
      "Coreflux",
      "Porto",
      "MeetingRoom",
      "Light1",
    ]);
  });

  it("places by [[devices]]: topic prefix, Gen1 id, Gen2 src id", () => {
    expect(placement.place("shellies/shellyplug-s-7AD4B1", undefined)).toEqual([
      "Coreflux",
      "Porto",
      "Kitchen",
      "Fridge",
    ]);
    expect(placement.place("shellies/shellyem-7C87CE", undefined)).toEqual([
      "Coreflux",
      "Porto",
      "Plant",
      "GridMeter",
    ]);
    expect(placement.place("shellyplusplugs-c82e18a1b2c3", "shellyplusplugs-c82e18a1b2c3")).toEqual(
      ["Coreflux", "Lisbon", "Lab", "Plug"],
    );
    expect(placement.place("custom/prefix", "shellyplusplugs-c82e18a1b2c3")).toEqual([
      "Coreflux",
      "Lisbon",
      "Lab",
      "Plug",
    ]);
    expect(placement.place("Coreflux/Old/Prefix/Too/Deep", undefined)).toEqual([
      "Coreflux",
      "Lisbon",
      "Lab",
      "Deep",
    ]);
  });

  it("leaves other prefixes unplaced", () => {
    for (const prefix of [
      "shellies/other",
      "Coreflux/Porto/Room",
      "Coreflux/A/B/C/D",
      "Other/A/B/C",
      "Coreflux//B/C",
    ]) {
      expect(placement.place(prefix, undefined)).toBeUndefined();
    }
  });

  it("subscribes to what the rules need outside the company filter", () => {
    expect(placement.subscriptions("Coreflux/#")).toEqual([
      "Coreflux/#",
      "shellies/shellyplug-s-7AD4B1/#",
      "shellyem-7C87CE/#",
      "shellies/shellyem-7C87CE/#",
      "shellyplusplugs-c82e18a1b2c3/#",
      "shellies/shellyplusplugs-c82e18a1b2c3/#",
    ]);
  });

  it("tells rule placements from topic placements", () => {
    expect(placement.ruleCount).toBe(4);
    expect(placement.placeByRule("shellies/shellyplug-s-7AD4B1", undefined)).toEqual([
      "Coreflux",
      "Porto",
      "Kitchen",
      "Fridge",
    ]);
    expect(placement.placeByRule("Coreflux/Porto/MeetingRoom/Light1", undefined)).toBeUndefined();
    expect(placement.placeByTopic("Coreflux/Porto/MeetingRoom/Light1")).toEqual([
      "Coreflux",
      "Porto",
      "MeetingRoom",
      "Light1",
    ]);
  });

  describe("a partition", () => {
    const rules = [
      { match: "shellies/shellyplug-s-7AD4B1", path: "Porto/Kitchen/Fridge" },
      { match: "shellyplusplugs-c82e18a1b2c3", path: "Lisbon/Lab/Plug" },
      { match: "Coreflux/Lisbon/Lab/Misplaced", path: "Porto/Lab/Moved" },
    ];
    const porto = new Placement("Coreflux", rules, [["Coreflux", "Porto"]]);

    it("owns its subtree only, and knows the levels above it", () => {
      expect(porto.owns(["Coreflux", "Porto", "Kitchen", "Fridge"])).toBe(true);
      expect(porto.owns(["Coreflux", "Lisbon", "Lab", "Plug"])).toBe(false);
      expect(porto.owns(["Coreflux", "PortoNorte", "A", "B"])).toBe(false);
      expect(porto.isAboveRoots(["Coreflux"])).toBe(true);
      expect(porto.isAboveRoots(["Coreflux", "Porto"])).toBe(false);
      expect(porto.isAboveRoots(["Coreflux", "Lisbon"])).toBe(false);
    });

    it("subscribes to its subtrees and to the rules that place devices in them", () => {
      expect(porto.subscriptions(["Coreflux/Porto/#"])).toEqual([
        "Coreflux/Porto/#",
        "shellies/shellyplug-s-7AD4B1/#",
        "Coreflux/Lisbon/Lab/Misplaced/#",
      ]);
      const whole = new Placement("Coreflux", rules);
      expect(whole.subscriptions("Coreflux/#")).toEqual([
        "Coreflux/#",
        "shellies/shellyplug-s-7AD4B1/#",
        "shellyplusplugs-c82e18a1b2c3/#",
        "shellies/shellyplusplugs-c82e18a1b2c3/#",
      ]);
    });
  });
});
