import { describe, expect, it } from "vitest";
import {
  createFleet,
  type Fleet,
  type FleetDevice,
  type FleetOptions,
  MQTT_SOURCE,
  RPC_ERRORS,
  type SimMessage,
} from "../src/index";
import { collect, compareWithTruth, replay } from "./helpers/engine-replay";
import { oneModel, text } from "./helpers/fleets";

const HOUR = 3_600_000;

interface SwitchStatus {
  id: number;
  source: string;
  output: boolean;
  apower: number;
  aenergy: { total: number };
}

function json<T = Record<string, unknown>>(m: SimMessage): T {
  return JSON.parse(text(m)) as T;
}

function statuses(messages: SimMessage[], prefix: string, n = 0): SwitchStatus[] {
  return messages
    .filter((m) => m.topic === `${prefix}/status/switch:${n}`)
    .map((m) => json<SwitchStatus>(m));
}

/** Messages on `<src>/rpc`, parsed. */
function responses(messages: SimMessage[], src: string): Record<string, unknown>[] {
  return messages.filter((m) => m.topic === `${src}/rpc`).map((m) => json(m));
}

/** A started fleet and its first device whose switch:0 draws power now (start-up messages into `into`). */
function drawing(fleet: Fleet, into: SimMessage[] = []): FleetDevice {
  const model = "plus-plug-s";
  const started = fleet.step(0);
  into.push(...started);
  for (const d of fleet.devices) {
    if (d.model !== model) continue;
    const last = statuses(started, d.prefix).at(-1);
    if (last?.output && last.apower > 0) return d;
  }
  throw new Error("no device draws power");
}

function rpc(fleet: Fleet, d: FleetDevice, request: Record<string, unknown>): SimMessage[] {
  return fleet.handleCommand(`${d.prefix}/rpc`, JSON.stringify({ src: "tester", ...request }));
}

describe("Gen2 simple commands on <prefix>/command/switch:<n>", () => {
  it("off: power 0 at once (NotifyStatus + status with output false, source MQTT), the counter stands still", () => {
    const fleet = oneModel("plus-plug-s", 6);
    const d = drawing(fleet);
    fleet.step(90_000);
    const out = fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
    expect(out.map((m) => m.topic)).toEqual([
      `${d.prefix}/events/rpc`,
      `${d.prefix}/status/switch:0`,
    ]);
    expect(out.every((m) => m.tsMs === fleet.nowMs && m.fault === undefined)).toBe(true);
    const notify = json<{ params: Record<string, unknown> }>(out[0]!);
    expect(notify.params["switch:0"]).toEqual({
      id: 0,
      output: false,
      source: "MQTT",
      apower: 0,
      current: 0,
    });
    const status = json<SwitchStatus>(out[1]!);
    expect(status).toMatchObject({ id: 0, source: MQTT_SOURCE, output: false, apower: 0 });
    const later = fleet.step(2 * HOUR);
    const after = statuses(later, d.prefix);
    expect(after.length).toBeGreaterThan(100);
    for (const s of after) {
      expect(s).toMatchObject({ output: false, apower: 0, source: "MQTT" });
      expect(s.aenergy.total).toBe(status.aenergy.total);
    }
  });

  it("on resumes the load, toggle flips, status_update reports, anything else is ignored", () => {
    const fleet = oneModel("plus-plug-s", 6);
    const d = drawing(fleet);
    const topic = `${d.prefix}/command/switch:0`;
    fleet.handleCommand(topic, "off");
    fleet.step(600_000);
    const on = statuses(fleet.handleCommand(topic, " on\n"), d.prefix);
    expect(on).toHaveLength(1);
    expect(on[0]).toMatchObject({ output: true, source: "MQTT" });
    expect(on[0]!.apower).toBeGreaterThan(0);
    const total = on[0]!.aenergy.total;
    const running = statuses(fleet.step(HOUR), d.prefix);
    expect(running.at(-1)!.aenergy.total).toBeGreaterThan(total);
    expect(statuses(fleet.handleCommand(topic, "toggle"), d.prefix)[0]!.output).toBe(false);
    expect(statuses(fleet.handleCommand(topic, "toggle"), d.prefix)[0]!.output).toBe(true);
    const update = fleet.handleCommand(topic, "status_update");
    expect(update.map((m) => m.topic)).toEqual([`${d.prefix}/status/switch:0`]);
    const before = fleet.commandStats();
    for (const payload of ["OFF", "off,30", "", "{}"])
      expect(fleet.handleCommand(topic, payload)).toEqual([]);
    expect(fleet.handleCommand(`${d.prefix}/command/switch:1`, "off")).toEqual([]);
    expect(fleet.handleCommand("Nobody/Here/command/switch:0", "off")).toEqual([]);
    expect(fleet.commandStats()).toEqual({
      ...before,
      received: before.received + 6,
      ignored: before.ignored + 6,
    });
  });

  it("a command to a channel already off publishes its status again without a NotifyStatus", () => {
    const fleet = oneModel("plus-plug-s", 6);
    const d = drawing(fleet);
    fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
    const again = fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
    expect(again.map((m) => m.topic)).toEqual([`${d.prefix}/status/switch:0`]);
  });

  it("every channel of a Pro 4PM is switchable on its own; meters are not switchable", () => {
    const fleet = createFleet({
      seed: 8,
      offices: 1,
      roomsPerOffice: 1,
      devicesPerRoom: 6,
      models: { "pro-4pm": 1, "plus-pm-mini": 1, "pro-3em": 1 },
    });
    fleet.step(0);
    const pro = fleet.devices.find((d) => d.model === "pro-4pm")!;
    const out = fleet.handleCommand(`${pro.prefix}/command/switch:3`, "off");
    expect(statuses(out, pro.prefix, 3)[0]).toMatchObject({ id: 3, output: false, source: "MQTT" });
    expect(out.some((m) => m.topic.endsWith("switch:0"))).toBe(false);
    expect(fleet.handleCommand(`${pro.prefix}/command/switch:4`, "off")).toEqual([]);
    for (const model of ["plus-pm-mini", "pro-3em"]) {
      const meter = fleet.devices.find((d) => d.model === model)!;
      expect(fleet.handleCommand(`${meter.prefix}/command/switch:0`, "off")).toEqual([]);
      const answer = responses(
        rpc(fleet, meter, { id: 1, method: "Switch.Set", params: { id: 0, on: false } }),
        "tester",
      );
      expect(answer).toEqual([
        {
          id: 1,
          src: meter.id,
          dst: "tester",
          error: { code: RPC_ERRORS.noHandler, message: "No handler for Switch.Set" },
        },
      ]);
    }
    expect(fleet.commandTopics().filter((t) => t.startsWith(`${pro.prefix}/`))).toEqual([
      `${pro.prefix}/rpc`,
      `${pro.prefix}/command/switch:0`,
      `${pro.prefix}/command/switch:1`,
      `${pro.prefix}/command/switch:2`,
      `${pro.prefix}/command/switch:3`,
    ]);
    const mini = fleet.devices.find((d) => d.model === "plus-pm-mini")!;
    expect(fleet.commandTopics().filter((t) => t.startsWith(`${mini.prefix}/`))).toEqual([
      `${mini.prefix}/rpc`,
    ]);
  });
});

describe("Gen2 RPC on <prefix>/rpc", () => {
  it("Switch.Set answers {was_on} on <src>/rpc after publishing the status with source MQTT", () => {
    const fleet = oneModel("plus-plug-s", 6);
    const d = drawing(fleet);
    const out = rpc(fleet, d, {
      id: 7,
      src: "coreflux-automatism",
      method: "Switch.Set",
      params: { id: 0, on: false },
    });
    expect(out.map((m) => m.topic)).toEqual([
      `${d.prefix}/events/rpc`,
      `${d.prefix}/status/switch:0`,
      "coreflux-automatism/rpc",
    ]);
    expect(text(out[2]!)).toBe(
      `{"id":7,"src":"${d.id}","dst":"coreflux-automatism","result":{"was_on":true}}`,
    );
    expect(statuses(out, d.prefix)[0]).toMatchObject({ output: false, source: "MQTT", apower: 0 });
    const again = rpc(fleet, d, { id: "x", method: "switch.set", params: { id: 0, on: false } });
    expect(responses(again, "tester")[0]).toEqual({
      id: "x",
      src: d.id,
      dst: "tester",
      result: { was_on: false },
    });
    const toggled = rpc(fleet, d, { id: 8, method: "Switch.Toggle", params: { id: 0 } });
    expect(responses(toggled, "tester")[0]!.result).toEqual({ was_on: false });
    expect(statuses(toggled, d.prefix)[0]!.output).toBe(true);
  });

  it.each([
    [
      { method: "Switch.Set", params: { on: false } },
      RPC_ERRORS.invalidArgument,
      "Missing required 'id'",
    ],
    [
      { method: "Switch.Set", params: { id: "0", on: false } },
      RPC_ERRORS.invalidArgument,
      "Invalid argument 'id'",
    ],
    [{ method: "Switch.Set", params: { id: 1, on: false } }, RPC_ERRORS.notFound, "Bad id=1"],
    [
      { method: "Switch.Set", params: { id: 0 } },
      RPC_ERRORS.invalidArgument,
      "Missing required 'on'",
    ],
    [
      { method: "Switch.Set", params: { id: 0, on: "off" } },
      RPC_ERRORS.invalidArgument,
      "Invalid argument 'on'",
    ],
    [{ method: "Switch.Set", params: [0, false] }, RPC_ERRORS.invalidArgument, "Invalid params"],
    [
      { method: "Cover.Open", params: { id: 0 } },
      RPC_ERRORS.noHandler,
      "No handler for Cover.Open",
    ],
    [{ method: "Schedule.Frobnicate" }, RPC_ERRORS.noHandler, "No handler for Schedule.Frobnicate"],
  ])("answers %j with error %i", (request, code, message) => {
    const fleet = oneModel("plus-plug-s", 6);
    const d = drawing(fleet);
    const out = rpc(fleet, d, { id: 3, ...request });
    expect(out.map((m) => m.topic)).toEqual(["tester/rpc"]);
    expect(json(out[0]!)).toEqual({ id: 3, src: d.id, dst: "tester", error: { code, message } });
    expect(fleet.commandStats()).toMatchObject({ received: 1, rejected: 1, applied: 0 });
  });

  it("drops what it cannot answer: not JSON, no method, no usable src; a request without id runs unanswered", () => {
    const fleet = oneModel("plus-plug-s", 6);
    const d = drawing(fleet);
    const topic = `${d.prefix}/rpc`;
    expect(fleet.handleCommand(topic, "{not json")).toEqual([]);
    expect(fleet.handleCommand(topic, "[1,2]")).toEqual([]);
    expect(fleet.handleCommand(topic, '{"id":1,"src":"tester"}')).toEqual([]);
    expect(
      fleet.handleCommand(topic, '{"id":1,"method":"Switch.Set","params":{"id":0,"on":false}}'),
    ).toEqual([]);
    expect(fleet.handleCommand(topic, '{"id":1,"src":"a/#","method":"Schedule.List"}')).toEqual([]);
    // A response seen on a device's rpc topic (a caller named like a device) is no request either.
    expect(
      fleet.handleCommand(topic, `{"id":1,"src":"${d.id}","dst":"tester","result":{}}`),
    ).toEqual([]);
    const silent = fleet.handleCommand(
      topic,
      '{"src":"tester","method":"Switch.Set","params":{"id":0,"on":false}}',
    );
    expect(silent.map((m) => m.topic)).toEqual([
      `${d.prefix}/events/rpc`,
      `${d.prefix}/status/switch:0`,
    ]);
    expect(fleet.commandStats()).toEqual({
      received: 7,
      applied: 1,
      rejected: 0,
      ignored: 6,
      personSwitches: 0,
    });
  });

  it("Schedule.Create/Update/List/Delete/DeleteAll keep jobs per device, limited to 20", () => {
    const fleet = createFleet({
      seed: 4,
      offices: 1,
      roomsPerOffice: 1,
      devicesPerRoom: 3,
      models: { "plus-plug-s": 1, "pro-3em": 1 },
    });
    fleet.step(0);
    const [a, b] = fleet.devices.filter((d) => d.generation === 2) as [FleetDevice, FleetDevice];
    const job = {
      enable: true,
      timespec: "0 30 20 * * MON,TUE,WED,THU,FRI",
      calls: [{ method: "Switch.Set", params: { id: 0, on: false } }],
    };
    const answer = (d: FleetDevice, request: Record<string, unknown>): unknown => {
      const out = rpc(fleet, d, { id: 1, ...request });
      expect(out.map((m) => m.topic)).toEqual(["tester/rpc"]);
      const frame = json(out[0]!);
      return frame.result ?? frame.error;
    };
    expect(answer(a, { method: "Schedule.Create", params: job })).toEqual({ id: 1, rev: 1 });
    expect(
      answer(a, { method: "Schedule.Create", params: { ...job, timespec: "0 30 8 * * SAT" } }),
    ).toEqual({ id: 2, rev: 2 });
    expect(answer(a, { method: "Schedule.Update", params: { id: 2, enable: false } })).toEqual({
      rev: 3,
    });
    expect(answer(a, { method: "Schedule.List" })).toEqual({
      jobs: [
        { id: 1, ...job },
        { id: 2, ...job, enable: false, timespec: "0 30 8 * * SAT" },
      ],
      rev: 3,
    });
    expect(answer(b, { method: "Schedule.List" })).toEqual({ jobs: [], rev: 0 });
    expect(answer(a, { method: "Schedule.Delete", params: { id: 1 } })).toEqual({ rev: 4 });
    expect(answer(a, { method: "Schedule.Delete", params: { id: 1 } })).toEqual({
      code: -105,
      message: "Bad id=1",
    });
    expect(answer(a, { method: "Schedule.DeleteAll" })).toEqual({ rev: 5 });
    for (let i = 0; i < 20; i++)
      expect(answer(b, { method: "Schedule.Create", params: job })).toMatchObject({ id: i + 1 });
    expect(answer(b, { method: "Schedule.Create", params: job })).toEqual({
      code: -108,
      message: "Max 20 schedule jobs reached",
    });
    expect(answer(b, { method: "Schedule.Create", params: { calls: job.calls } })).toEqual({
      code: -103,
      message: "Missing required 'timespec'",
    });
  });
});

describe("Gen1 relay commands on shellies/<id>/relay/<n>/command", () => {
  it("off publishes relay/<n> off and power 0 at once; the energy stands still; on resumes", () => {
    const fleet = oneModel("gen1-plug-s", 6);
    const d = drawing2(fleet);
    const topic = `${d.prefix}/relay/0/command`;
    const out = fleet.handleCommand(topic, "off");
    expect(out.map((m) => [m.topic, text(m)]).slice(0, 2)).toEqual([
      [`${d.prefix}/relay/0`, "off"],
      [`${d.prefix}/relay/0/power`, "0.00"],
    ]);
    const energy = out.find((m) => m.topic === `${d.prefix}/relay/0/energy`)!;
    const later = fleet.step(HOUR);
    const states = later.filter((m) => m.topic === `${d.prefix}/relay/0`).map(text);
    const energies = later.filter((m) => m.topic === `${d.prefix}/relay/0/energy`).map(text);
    expect(new Set(states)).toEqual(new Set(["off"]));
    expect(new Set(energies)).toEqual(new Set([text(energy)]));
    const on = fleet.handleCommand(topic, "on");
    expect(text(on[0]!)).toBe("on");
    expect(Number(text(on[1]!))).toBeGreaterThan(0);
    expect(text(fleet.handleCommand(topic, "toggle")[0]!)).toBe("off");
    expect(fleet.handleCommand(`${d.prefix}/relay/1/command`, "on")).toEqual([]);
    expect(
      fleet.handleCommand(`${d.prefix}/rpc`, '{"id":1,"src":"t","method":"Switch.Set"}'),
    ).toEqual([]);
  });

  it("a Gen1 EM has nothing to switch", () => {
    const fleet = oneModel("gen1-em", 2);
    fleet.step(0);
    const d = fleet.devices[0]!;
    expect(fleet.handleCommand(`${d.prefix}/relay/0/command`, "off")).toEqual([]);
    expect(fleet.commandTopics()).toEqual([]);
  });
});

/** A started Gen1 fleet's first relay that draws power. */
function drawing2(fleet: Fleet): FleetDevice {
  const started = fleet.step(0);
  for (const d of fleet.devices) {
    const power = started.filter((m) => m.topic === `${d.prefix}/relay/0/power`).at(-1);
    if (power !== undefined && Number(text(power)) > 0) return d;
  }
  throw new Error("no relay draws power");
}

describe("devices that ignore commands", () => {
  it("a fraction picks that many devices with the seed; they answer nothing", () => {
    const options: FleetOptions = {
      seed: 12,
      offices: 2,
      roomsPerOffice: 2,
      devicesPerRoom: 5,
      models: { "plus-plug-s": 1 },
      ignoreCommands: 0.25,
    };
    const fleet = createFleet(options);
    fleet.step(0);
    const ignoring = fleet.devices.filter((d) => fleet.ignoresCommands(d.id));
    expect(ignoring).toHaveLength(5);
    const again = createFleet(options);
    expect(fleet.devices.filter((d) => again.ignoresCommands(d.prefix))).toEqual(ignoring);
    const other = createFleet({ ...options, seed: 13 });
    expect(
      fleet.devices.filter((d) => other.ignoresCommands(d.path)).map((d) => d.path),
    ).not.toEqual(ignoring.map((d) => d.path));
    for (const d of ignoring) {
      expect(fleet.handleCommand(`${d.prefix}/command/switch:0`, "off")).toEqual([]);
      expect(rpc(fleet, d, { id: 1, method: "Switch.Set", params: { id: 0, on: false } })).toEqual(
        [],
      );
    }
    const obeying = fleet.devices.find((d) => !fleet.ignoresCommands(d.id))!;
    expect(fleet.handleCommand(`${obeying.prefix}/command/switch:0`, "off")).not.toEqual([]);
    expect(fleet.commandStats()).toMatchObject({ received: 11, applied: 1, ignored: 10 });
  });

  it("a list names devices by id, prefix or path (with or without the company)", () => {
    const base = oneModel("plus-plug-s", 4);
    const [a, b, c] = base.devices as FleetDevice[];
    const fleet = oneModel("plus-plug-s", 4, {
      ignoreCommands: [a!.id, b!.prefix, c!.path.slice("Coreflux/".length)],
    });
    expect(fleet.devices.map((d) => fleet.ignoresCommands(d.path))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(() => oneModel("plus-plug-s", 4, { ignoreCommands: ["Porto/Nowhere/Lamp"] })).toThrow(
      /ignoreCommands names no device of the fleet: Porto\/Nowhere\/Lamp/,
    );
  });
});

describe("a person who switches back on", () => {
  it("switches a channel off by a command back on after afterS, with their own source", () => {
    const fleet = oneModel("plus-plug-s", 6, { person: { afterS: 300, source: "button" } });
    const d = drawing(fleet);
    const offAt = fleet.nowMs;
    fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
    const before = fleet.step(299_999);
    expect(statuses(before, d.prefix).every((s) => !s.output)).toBe(true);
    const at = fleet.step(1);
    const back = at.filter((m) => m.topic.startsWith(`${d.prefix}/`));
    expect(back.map((m) => m.topic)).toEqual([
      `${d.prefix}/events/rpc`,
      `${d.prefix}/status/switch:0`,
    ]);
    expect(back.every((m) => m.tsMs === offAt + 300_000)).toBe(true);
    expect(statuses(back, d.prefix)[0]).toMatchObject({ output: true, source: "button" });
    expect(json<{ params: Record<string, unknown> }>(back[0]!).params["switch:0"]).toMatchObject({
      output: true,
      source: "button",
    });
    expect(fleet.commandStats().personSwitches).toBe(1);
    const rest = statuses(fleet.step(HOUR), d.prefix);
    expect(rest.every((s) => s.output && s.source === "button")).toBe(true);
  });

  it("is deterministic with the seed, within [min, max], and respects the probability", () => {
    const run = (seed: number, probability: number): number[] => {
      const fleet = createFleet({
        seed,
        offices: 1,
        roomsPerOffice: 4,
        devicesPerRoom: 5,
        models: { "plus-plug-s": 1 },
        person: { afterS: [60, 600], probability },
      });
      const started = fleet.step(0);
      const t0 = fleet.nowMs;
      for (const d of fleet.devices) {
        if (statuses(started, d.prefix).at(-1)?.output)
          fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
      }
      return fleet
        .step(HOUR)
        .filter((m) => m.topic.endsWith("/events/rpc") && text(m).includes('"source":"WS_in"'))
        .map((m) => m.tsMs - t0);
    };
    const a = run(21, 1);
    expect(a.length).toBeGreaterThan(10);
    expect(a.every((t) => t >= 60_000 && t <= 600_000)).toBe(true);
    expect(run(21, 1)).toEqual(a);
    expect(run(22, 1)).not.toEqual(a);
    expect(run(21, 0)).toEqual([]);
  });

  it("does nothing when a command switched the channel on first", () => {
    const fleet = oneModel("plus-plug-s", 6, { person: { afterS: 120 } });
    const d = drawing(fleet);
    fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
    fleet.step(60_000);
    fleet.handleCommand(`${d.prefix}/command/switch:0`, "on");
    fleet.handleCommand(`${d.prefix}/command/switch:0`, "off");
    const out = fleet.step(HOUR);
    // The second off plans a new return, 120 s after it; the first plan was dropped.
    const sources = statuses(out, d.prefix).filter((s) => s.source === "WS_in");
    expect(fleet.commandStats().personSwitches).toBe(1);
    expect(sources.length).toBeGreaterThan(0);
  });
});

describe("the fleet and its clock", () => {
  it("a device not started yet ignores commands; a later tsMs first runs the fleet up to it", () => {
    const fleet = oneModel("plus-plug-s", 2);
    const d = fleet.devices[0]!;
    expect(fleet.handleCommand(`${d.prefix}/command/switch:0`, "off")).toEqual([]);
    const start = fleet.nowMs;
    const out = fleet.handleCommand(`${d.prefix}/command/switch:0`, "off", start + 10 * 60_000);
    expect(fleet.nowMs).toBe(start + 10 * 60_000);
    expect(out.length).toBeGreaterThan(20);
    expect(out[0]!.topic.endsWith("/online")).toBe(true);
    expect(statuses(out, d.prefix).at(-1)).toMatchObject({ output: false, source: "MQTT" });
    // An earlier time is now: the past cannot be changed.
    const late = fleet.handleCommand(`${d.prefix}/command/switch:0`, "on", start);
    expect(late.every((m) => m.tsMs === fleet.nowMs)).toBe(true);
  });

  it("command options alone change nothing: the stream is the same, byte for byte", () => {
    const options: FleetOptions = {
      seed: 31,
      offices: 1,
      roomsPerOffice: 3,
      devicesPerRoom: 4,
      faults: { reset: 0.3, offline: 0.2, zero: 0.01, reorder: 0.02 },
    };
    const plain = createFleet(options);
    const commanded = createFleet({ ...options, ignoreCommands: 0.5, person: { afterS: 60 } });
    expect(commanded.commandTopics().length).toBeGreaterThan(0);
    expect(collect(commanded, 3)).toEqual(collect(plain, 3));
    expect(commanded.truth()).toEqual(plain.truth());
  });
});

describe("the truth of a commanded fleet", () => {
  it("a switched-off channel's published counter stops, and the truth is the sum of published increases", () => {
    const fleet = oneModel("plus-plug-s", 6);
    const messages: SimMessage[] = [];
    const d = drawing(fleet, messages);
    for (let i = 0; i < 30; i++) messages.push(...fleet.step(60_000));
    const offAt = fleet.nowMs;
    messages.push(...fleet.handleCommand(`${d.prefix}/command/switch:0`, "off"));
    for (let i = 0; i < 120; i++) messages.push(...fleet.step(60_000));
    messages.push(...fleet.settle());

    const totalsMwh = messages
      .filter(
        (m) =>
          m.topic === `${d.prefix}/status/switch:0` ||
          (m.topic === `${d.prefix}/events/rpc` && text(m).includes('"aenergy"')),
      )
      .map((m) => {
        const frame = json<{
          params?: Record<string, { aenergy: { total: number } }>;
          aenergy?: { total: number };
        }>(m);
        const total = frame.aenergy?.total ?? frame.params?.["switch:0"]?.aenergy.total;
        return { tsMs: m.tsMs, mwh: Math.round(total! * 1000) };
      });
    const afterOff = totalsMwh.filter((t) => t.tsMs >= offAt).map((t) => t.mwh);
    expect(afterOff.length).toBeGreaterThan(200);
    expect(new Set(afterOff).size).toBe(1);
    let increases = 0;
    for (let i = 1; i < totalsMwh.length; i++)
      increases += Math.max(0, totalsMwh[i]!.mwh - totalsMwh[i - 1]!.mwh);
    const truth = fleet.truth();
    expect(increases).toBeGreaterThan(0);
    expect(truth.devices[d.path]!.energyMwh).toBe(increases);
    expect(totalsMwh.at(-1)!.mwh - totalsMwh[0]!.mwh).toBe(increases);
  });

  it("an engine fed every message (commands, person, faults, Gen1 and Gen2) reports the truth exactly", () => {
    const fleet = createFleet({
      seed: 77,
      offices: 1,
      roomsPerOffice: 3,
      devicesPerRoom: 5,
      layout: "ids",
      faults: {
        reset: 0.3,
        offline: 0.2,
        zero: 0.01,
        spike: 0.01,
        duplicate: 0.02,
        reorder: 0.02,
        malformed: 0.01,
      },
      person: { afterS: [120, 1800], probability: 0.5 },
    });
    const messages: SimMessage[] = [...fleet.step(0)];
    const switchable = fleet.commandTopics().filter((t) => !t.endsWith("/rpc"));
    expect(switchable.length).toBeGreaterThan(5);
    for (let minute = 1; minute <= 6 * 60; minute++) {
      messages.push(...fleet.step(60_000));
      if (minute % 20 === 0) {
        for (const [i, topic] of switchable.entries()) {
          messages.push(...fleet.handleCommand(topic, (i + minute / 20) % 3 === 0 ? "on" : "off"));
        }
      }
    }
    messages.push(...fleet.settle());
    const truth = fleet.truth();
    const { engine } = replay(messages, truth.company, fleet.placements(), { noteUptime: true });
    expect(compareWithTruth(engine, truth, fleet.nowMs)).toEqual([]);
    expect(fleet.commandStats().applied).toBeGreaterThan(100);
  });
});
