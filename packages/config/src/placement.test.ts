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
});
