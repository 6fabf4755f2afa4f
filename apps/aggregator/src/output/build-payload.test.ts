import { EnergyEngine } from "@coreflux/hierarchy";
import { describe, expect, it } from "vitest";
import { buildMessage } from "./build-payload";

const COMMON = [
  "Name",
  "Topic",
  "UnixTimestamp",
  "PowerW",
  "EnergyThisHourWh",
  "EnergyTodayWh",
  "EnergyThisMonthWh",
  "ReturnedEnergyWh",
  "MetersOnline",
  "MetersStale",
  "MetersOffline",
  "LastUpdateUnixTimestamp",
];
const GROUP = [...COMMON, "TotalEnergy", "DevicesOnline", "DevicesStale", "DevicesOffline"];

/** A company with one office, one room and one two-channel device that reported once. */
function oneDevice(nowMs: number): { engine: EnergyEngine; ids: Map<string, number> } {
  const engine = new EnergyEngine();
  const path = ["Acme", "HQ", "Lab", "shellypro4pm-01"];
  for (const [channel, energyWh, powerW] of [
    ["switch:1", 2500.25, 40],
    ["switch:0", 1000.5, 12.5],
  ] as const) {
    const found = engine.meter(path, channel);
    if (!found.ok) throw new Error(found.reason);
    engine.ingestValues(found.meter, nowMs, energyWh, powerW);
  }
  const ids = new Map<string, number>();
  for (let depth = 1; depth <= path.length; depth++) {
    const id = engine.findNode(path.slice(0, depth));
    if (id === undefined) throw new Error("node not found");
    ids.set(path[depth - 1]!, id);
  }
  return { engine, ids };
}

describe("buildMessage", () => {
  const nowMs = Date.UTC(2026, 11, 7, 15, 0, 30);

  it("writes a device's fields in the original service's order, channels sorted by id", () => {
    const { engine, ids } = oneDevice(nowMs);
    const { topic, payload } = buildMessage(engine, ids.get("shellypro4pm-01")!, nowMs, true);
    expect(topic).toBe("Acme/HQ/Lab/shellypro4pm-01/status/EnergyConsumed");
    expect(Object.keys(payload)).toEqual([
      ...COMMON,
      "TotalEnergyConsumed",
      "LastEnergyVal",
      "State",
      "Channels",
    ]);
    expect(JSON.parse(JSON.stringify(payload))).toMatchObject({
      Name: "shellypro4pm-01",
      Topic: topic,
      PowerW: 52.5,
      TotalEnergyConsumed: 0,
      LastEnergyVal: 3500.75,
      State: "online",
      Channels: [
        { Id: "switch:0", TotalEnergyConsumed: 0, PowerW: 12.5, State: "online" },
        { Id: "switch:1", TotalEnergyConsumed: 0, PowerW: 40, State: "online" },
      ],
    });
  });

  it("nests a group's children after its own fields, or leaves them out", () => {
    const { engine, ids } = oneDevice(nowMs);
    const room = buildMessage(engine, ids.get("Lab")!, nowMs, true);
    expect(room.topic).toBe("Acme/HQ/Lab/RoomEnergyConsumed");
    expect(Object.keys(room.payload)).toEqual([...GROUP, "Devices"]);
    const devices = (room.payload as { Devices: { Name: string }[] }).Devices;
    expect(devices.map((d) => d.Name)).toEqual(["shellypro4pm-01"]);
    const office = buildMessage(engine, ids.get("HQ")!, nowMs, true);
    expect(Object.keys(office.payload)).toEqual([...GROUP, "Rooms"]);
    const company = buildMessage(engine, ids.get("Acme")!, nowMs, true);
    expect(company.topic).toBe("Acme/CompanyEnergyConsumed");
    expect(Object.keys(company.payload)).toEqual([...GROUP, "Offices"]);
    expect(Object.keys(buildMessage(engine, ids.get("Lab")!, nowMs, false).payload)).toEqual(GROUP);
  });
});
