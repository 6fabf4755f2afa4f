import { describe, expect, it } from "vitest";
import { historyUrl, isApiNodes, isHistoryResponse, parseJson } from "./api";

const doc = {
  company: "Coreflux",
  tsMs: 1796461285417,
  timeZone: "Europe/Lisbon",
  brokerConnected: true,
  history: true,
  root: {
    path: "",
    name: "Coreflux",
    level: "company",
    energyWh: 1234.567,
    returnedEnergyWh: 0,
    powerW: 812.4,
    energyThisHourWh: 12.5,
    energyTodayWh: 100.25,
    energyThisMonthWh: 1000.5,
    state: { online: 10, stale: 1, offline: 0 },
    children: [
      {
        path: "Porto/Kitchen/Fridge",
        name: "Fridge",
        level: "device",
        energyWh: 1,
        returnedEnergyWh: 0,
        powerW: 1,
        energyThisHourWh: 1,
        energyTodayWh: 1,
        energyThisMonthWh: 1,
        state: { online: 1, stale: 0, offline: 0 },
        children: [],
        channels: [{ id: "switch:0", powerW: 90.1, energyWh: 400.123, state: "online" }],
      },
    ],
  },
};

describe("shape checks", () => {
  it("accepts the documented /api/nodes document and an empty tree", () => {
    expect(isApiNodes(doc)).toBe(true);
    expect(isApiNodes({ ...doc, root: null })).toBe(true);
  });

  it("refuses documents with a missing or wrong field, deep down too", () => {
    expect(isApiNodes({ ...doc, history: "yes" })).toBe(false);
    expect(isApiNodes({ ...doc, root: { ...doc.root, powerW: "812" } })).toBe(false);
    const badChannel = structuredClone(doc);
    badChannel.root.children[0]!.channels![0]!.energyWh = Number.NaN;
    expect(isApiNodes(badChannel)).toBe(false);
    expect(isApiNodes(parseJson("not json"))).toBe(false);
  });

  it("checks history rows", () => {
    expect(isHistoryResponse({ rows: [{ path: "A", periodStartMs: 1, energyWh: 2 }] })).toBe(true);
    expect(isHistoryResponse({ rows: [{ path: "A", energyWh: 2 }] })).toBe(false);
  });
});

describe("historyUrl", () => {
  it("encodes the glob and sends UTC instants", () => {
    const url = historyUrl({
      path: "Porto/Sala de reuniões/*",
      fromMs: Date.parse("2026-12-04T10:00:00Z"),
      toMs: Date.parse("2026-12-05T10:00:00Z"),
      by: "period",
    });
    expect(url).toBe(
      "/api/history?path=Porto%2FSala+de+reuni%C3%B5es%2F*&from=2026-12-04T10%3A00%3A00.000Z&to=2026-12-05T10%3A00%3A00.000Z&by=period",
    );
    expect(new URL(url, "http://x").searchParams.get("path")).toBe("Porto/Sala de reuniões/*");
  });
});
