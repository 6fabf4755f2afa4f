import type { AutomationRule } from "@coreflux/automation";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { KnownDevice } from "./device-directory";
import { FIRST_MIRROR_RPC_ID, type MirrorOptions, ScheduleMirror } from "./schedule-mirror";
import { planSchedule } from "./schedule-plan";
import { sameTimespec, timespecOf } from "./schedule-timespec";

// --- a fake fleet: devices answering Schedule.* and Sys.GetConfig as the simulator does ------

interface Job {
  id: number;
  enable: boolean;
  timespec: string;
  calls: { method: string; params?: Record<string, unknown> }[];
}

interface FakeDevice {
  known: KnownDevice;
  channels: number[];
  jobs: Job[];
  nextId: number;
  /** `location.tz` to answer Sys.GetConfig with; undefined: 404 as the simulator. */
  tz?: string | null;
  /** Never answers. */
  silent?: boolean;
}

interface Request {
  prefix: string;
  id: number;
  src: string;
  method: string;
  params?: Record<string, unknown>;
}

class FakeFleet {
  readonly devices = new Map<string, FakeDevice>();
  readonly requests: Request[] = [];
  private readonly answers: { id: number; result?: unknown; error?: unknown }[] = [];
  private readonly outstanding = new Set<string>();

  add(path: string, channels: number[], extra: Partial<FakeDevice> = {}): FakeDevice {
    const prefix = `Acme/${path}`;
    const device: FakeDevice = {
      known: { path, prefix, generation: 2 },
      channels,
      jobs: [],
      nextId: 1,
      ...extra,
    };
    this.devices.set(prefix, device);
    return device;
  }

  readonly publish = (topic: string, payload: string): void => {
    expect(topic.endsWith("/rpc"), topic).toBe(true);
    const prefix = topic.slice(0, -"/rpc".length);
    const body = JSON.parse(payload) as Omit<Request, "prefix">;
    expect(this.outstanding.has(prefix), `a second request to ${prefix} before the answer`).toBe(
      false,
    );
    this.requests.push({ prefix, ...body });
    const device = this.devices.get(prefix);
    if (device === undefined || device.silent === true) return;
    this.outstanding.add(prefix);
    this.answers.push({ id: body.id, ...answer(device, body.method, body.params ?? {}) });
    this.lastPrefixOf.set(body.id, prefix);
  };

  private readonly lastPrefixOf = new Map<number, string>();

  /** Hands the answers to the mirror. */
  deliver(mirror: ScheduleMirror, nowMs: number): void {
    for (const a of this.answers.splice(0)) {
      this.outstanding.delete(this.lastPrefixOf.get(a.id)!);
      expect(mirror.onRpcResponse(a.id, a.result, a.error, nowMs)).toBe(true);
    }
  }

  /** Requests of `methods` (all but the reads when omitted). */
  changes(methods = ["Schedule.Create", "Schedule.Update", "Schedule.Delete"]): Request[] {
    return this.requests.filter((r) => methods.includes(r.method));
  }

  seeAll(mirror: ScheduleMirror, nowMs: number): void {
    for (const d of this.devices.values()) {
      for (const c of d.channels) mirror.channelSeen(d.known, c, nowMs);
    }
  }
}

function answer(
  device: FakeDevice,
  method: string,
  params: Record<string, unknown>,
): { result?: unknown; error?: unknown } {
  const jobAt = () => device.jobs.findIndex((j) => j.id === params.id);
  switch (method) {
    case "Sys.GetConfig":
      return device.tz === undefined
        ? { error: { code: 404, message: "No handler for Sys.GetConfig" } }
        : { result: { location: { tz: device.tz, lat: null, lon: null } } };
    case "Schedule.List":
      return { result: { jobs: structuredClone(device.jobs), rev: 1 } };
    case "Schedule.Create": {
      if (device.jobs.length >= 20) {
        return { error: { code: -108, message: "Max 20 schedule jobs reached" } };
      }
      const job = { id: device.nextId++, ...(structuredClone(params) as Omit<Job, "id">) };
      device.jobs.push(job);
      return { result: { id: job.id, rev: 1 } };
    }
    case "Schedule.Update": {
      const at = jobAt();
      if (at < 0) return { error: { code: -105, message: `Bad id=${params.id}` } };
      Object.assign(device.jobs[at]!, structuredClone(params));
      return { result: { rev: 1 } };
    }
    case "Schedule.Delete": {
      const at = jobAt();
      if (at < 0) return { error: { code: -105, message: `Bad id=${params.id}` } };
      device.jobs.splice(at, 1);
      return { result: { rev: 1 } };
    }
    default:
      return { error: { code: 404, message: `No handler for ${method}` } };
  }
}

// --- helpers ---------------------------------------------------------------------------------

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

function rule(name: string, extra: Partial<AutomationRule> = {}): AutomationRule {
  return { name, windows: ["20:30-08:30"], timeZone: "Europe/Lisbon", ...extra };
}

function setup(rules: AutomationRule[], fleet: FakeFleet, extra: Partial<MirrorOptions> = {}) {
  const { log, lines } = capture();
  const options: MirrorOptions = {
    rules,
    clientId: "auto-test",
    publish: fleet.publish,
    log,
    ...extra,
  };
  return { options, lines, mirror: new ScheduleMirror(options) };
}

/** Ticks every 250 ms, seeing every channel and answering, for `ms`. */
function run(mirror: ScheduleMirror, fleet: FakeFleet, fromMs: number, ms = 10_000): number {
  let now = fromMs;
  for (; now < fromMs + ms; now += 250) {
    fleet.seeAll(mirror, now);
    mirror.tick(now);
    fleet.deliver(mirror, now);
  }
  return now;
}

const offJob = (channel: number, timespec: string) => ({
  enable: true,
  timespec,
  calls: [{ method: "Switch.Set", params: { id: channel, on: false } }],
});
const EVERY_DAY = "SUN,MON,TUE,WED,THU,FRI,SAT";

// --- tests -----------------------------------------------------------------------------------

describe("timespecOf / sameTimespec", () => {
  it("writes second 0, the start minute and hour without leading zeros, the days by name", () => {
    expect(timespecOf("20:30-08:30", undefined)).toBe(`0 30 20 * * ${EVERY_DAY}`);
    expect(timespecOf("08:05-09:00", ["mon", "tue", "wed", "thu", "fri"])).toBe(
      "0 5 8 * * MON,TUE,WED,THU,FRI",
    );
    expect(timespecOf("00:00-06:00", ["sun", "sat"])).toBe("0 0 0 * * SUN,SAT");
  });

  it("compares weekday lists as sets, numbers without leading zeros, the 5-field form", () => {
    expect(sameTimespec("0 30 20 * * MON,FRI", "00 30 20 * * fri,mon")).toBe(true);
    expect(sameTimespec("0 30 20 * * MON,TUE,WED,THU,FRI", "0 30 20 * * 1-5")).toBe(true);
    expect(sameTimespec(`0 30 20 * * ${EVERY_DAY}`, "0 30 20 * * *")).toBe(true);
    expect(sameTimespec("0 30 20 * * SUN", "0 30 20 * * 7")).toBe(true);
    expect(sameTimespec("30 20 * * MON", "0 30 20 * * MON")).toBe(true);
    expect(sameTimespec("0 30 20 * * MON", "0 31 20 * * MON")).toBe(false);
    expect(sameTimespec("0 30 20 * * MON", "0 30 20 * * MON,TUE")).toBe(false);
  });
});

describe("ScheduleMirror", () => {
  it("creates one job per (rule, window, switch channel), with the documented request", () => {
    const fleet = new FakeFleet();
    const pro = fleet.add("Porto/Office/Circuits", [0, 1, 2, 3]);
    const plug = fleet.add("Porto/Kitchen/Kettle", [0]);
    fleet.add("Porto/Kitchen/Fridge", [0]);
    const { mirror } = setup(
      [
        rule("nights", {
          windows: ["20:30-08:30", "12:00-13:00"],
          days: ["mon", "tue", "wed", "thu", "fri"],
          except: ["*/Kitchen/Fridge"],
        }),
      ],
      fleet,
    );
    run(mirror, fleet, T0);
    // The excepted device is never asked anything.
    expect(fleet.requests.filter((r) => r.prefix.endsWith("Fridge"))).toEqual([]);
    // First the zone, then the list, then the creations.
    const toPlug = fleet.requests.filter((r) => r.prefix === plug.known.prefix);
    expect(toPlug.map((r) => r.method)).toEqual([
      "Sys.GetConfig",
      "Schedule.List",
      "Schedule.Create",
      "Schedule.Create",
    ]);
    expect(toPlug[2]).toEqual({
      prefix: "Acme/Porto/Kitchen/Kettle",
      id: toPlug[2]!.id,
      src: "auto-test",
      method: "Schedule.Create",
      params: offJob(0, "0 30 20 * * MON,TUE,WED,THU,FRI"),
    });
    expect(fleet.requests.every((r) => r.id >= FIRST_MIRROR_RPC_ID)).toBe(true);
    expect(new Set(fleet.requests.map((r) => r.id)).size).toBe(fleet.requests.length);
    const specs = pro.jobs.map((j) => `${j.calls[0]!.params!.id} ${j.timespec}`).sort();
    expect(specs).toEqual(
      [0, 1, 2, 3].flatMap((c) => [
        `${c} 0 0 12 * * MON,TUE,WED,THU,FRI`,
        `${c} 0 30 20 * * MON,TUE,WED,THU,FRI`,
      ]),
    );
    expect(mirror.stats()).toEqual({
      devicesMirrored: 2,
      jobsCreated: 10,
      drift: 0,
      notMirrorable: 0,
      failures: 0,
    });
    // Nothing more until the verification is due.
    const before = fleet.requests.length;
    run(mirror, fleet, T0 + 10_000, 60_000);
    expect(fleet.requests.length).toBe(before);
  });

  it("restarted from its snapshot, or with its snapshot lost, creates nothing twice", () => {
    const fleet = new FakeFleet();
    fleet.add("Porto/Office/Circuits", [0, 1, 2, 3]);
    fleet.add("Lisbon/Lab/Plug", [0]);
    const rules = [rule("nights")];
    const first = setup(rules, fleet);
    run(first.mirror, fleet, T0);
    expect(first.mirror.stats().jobsCreated).toBe(5);
    const jobsBefore = structuredClone([...fleet.devices.values()].map((d) => d.jobs));
    const snapshot = JSON.parse(JSON.stringify(first.mirror.snapshot())) as unknown;

    for (const restart of [
      () => ScheduleMirror.restore(snapshot, setup(rules, fleet).options),
      () => new ScheduleMirror(setup(rules, fleet).options), // the state file was lost: adopts
    ]) {
      fleet.requests.length = 0;
      const mirror = restart();
      run(mirror, fleet, T0 + HOUR);
      expect(fleet.changes()).toEqual([]);
      expect(fleet.requests.map((r) => r.method).sort()).toEqual([
        "Schedule.List",
        "Schedule.List",
        "Sys.GetConfig",
        "Sys.GetConfig",
      ]);
      expect(mirror.stats()).toMatchObject({ devicesMirrored: 2, jobsCreated: 0, drift: 0 });
      expect(mirror.snapshot()).toEqual(snapshot);
    }
    expect([...fleet.devices.values()].map((d) => d.jobs)).toEqual(jobsBefore);
  });

  it("removes the jobs of a rule (or window) that went, and never anyone else's", () => {
    const fleet = new FakeFleet();
    const device = fleet.add("Porto/Office/Lamp", [0]);
    const theirs: Job[] = [
      { id: 1, ...offJob(0, "0 0 7 * * MON") }, // a person's own schedule
      {
        id: 2,
        enable: true,
        timespec: `0 0 18 * * ${EVERY_DAY}`,
        calls: [{ method: "Switch.Set", params: { id: 0, on: true } }],
      },
    ];
    device.jobs.push(...structuredClone(theirs));
    device.nextId = 3;
    const both = [
      rule("nights", { windows: ["20:30-08:30", "13:00-14:00"] }),
      rule("weekend", { windows: ["10:00-18:00"], days: ["sat", "sun"] }),
    ];
    const first = setup(both, fleet);
    run(first.mirror, fleet, T0);
    expect(device.jobs).toHaveLength(5);

    // "weekend" goes, and "nights" loses its lunch window.
    const later = setup([rule("nights")], fleet);
    const mirror = ScheduleMirror.restore(first.mirror.snapshot(), later.options);
    run(mirror, fleet, T0 + HOUR);
    expect(fleet.changes(["Schedule.Create", "Schedule.Update"]).slice(3)).toEqual([]);
    expect(fleet.changes(["Schedule.Delete"]).map((r) => r.params!.id)).toEqual([4, 5]);
    expect(device.jobs).toEqual([...theirs, { id: 3, ...offJob(0, `0 30 20 * * ${EVERY_DAY}`) }]);
    expect(mirror.snapshot()).toEqual({
      format: "coreflux.automatism.schedule-mirror",
      version: 1,
      devices: {
        "Acme/Porto/Office/Lamp": [
          {
            rule: "nights",
            window: "20:30-08:30",
            channel: 0,
            id: 3,
            timespec: `0 30 20 * * ${EVERY_DAY}`,
          },
        ],
      },
    });

    // With no rule left, our last job goes too; theirs stay.
    const none = setup([], fleet);
    const empty = ScheduleMirror.restore(mirror.snapshot(), none.options);
    run(empty, fleet, T0 + 2 * HOUR);
    expect(device.jobs).toEqual(theirs);
  });

  it("updates a job when the rule's days change, without calling it drift", () => {
    const fleet = new FakeFleet();
    const device = fleet.add("Porto/Office/Lamp", [0]);
    const first = setup([rule("nights")], fleet);
    run(first.mirror, fleet, T0);
    const later = setup([rule("nights", { days: ["fri"] })], fleet);
    const mirror = ScheduleMirror.restore(first.mirror.snapshot(), later.options);
    run(mirror, fleet, T0 + HOUR);
    expect(fleet.changes().map((r) => r.method)).toEqual(["Schedule.Create", "Schedule.Update"]);
    expect(device.jobs).toEqual([{ id: 1, ...offJob(0, "0 30 20 * * FRI") }]);
    expect(mirror.stats()).toMatchObject({ drift: 0, devicesMirrored: 1 });
  });

  it("verifies every verifyEveryMs: a job missing, disabled or changed is drift, logged once per device and repaired", () => {
    const fleet = new FakeFleet();
    const device = fleet.add("Porto/Office/Circuits", [0, 1, 2, 3]);
    const { mirror, lines } = setup([rule("nights")], fleet, { verifyEveryMs: HOUR });
    let now = run(mirror, fleet, T0);
    const want = (c: number) => offJob(c, `0 30 20 * * ${EVERY_DAY}`);
    // Someone deletes switch:0's job, disables switch:1's and moves switch:2's.
    device.jobs = device.jobs.filter((j) => j.calls[0]!.params!.id !== 0);
    device.jobs.find((j) => j.calls[0]!.params!.id === 1)!.enable = false;
    device.jobs.find((j) => j.calls[0]!.params!.id === 2)!.timespec = "0 0 22 * * MON";
    now = run(mirror, fleet, now, HOUR - 20_000); // not yet due
    expect(mirror.stats().drift).toBe(0);
    now = run(mirror, fleet, now, 30_000);
    expect(mirror.stats()).toMatchObject({ drift: 3, jobsCreated: 5, devicesMirrored: 1 });
    const driftLines = lines.filter((l) => String(l.msg).includes("drift"));
    expect(driftLines).toHaveLength(1);
    expect(driftLines[0]!.drift).toEqual([
      { rule: "nights", window: "20:30-08:30", channel: 1, id: 2, what: "disabled" },
      { rule: "nights", window: "20:30-08:30", channel: 2, id: 3, what: "changed" },
      { rule: "nights", window: "20:30-08:30", channel: 0, id: 1, what: "missing" },
    ]);
    expect(device.jobs.map(({ id: _, ...j }) => j).sort((a, b) => chan(a) - chan(b))).toEqual(
      [0, 1, 2, 3].map(want),
    );
    // The next verification finds everything in place.
    run(mirror, fleet, now, HOUR + 10_000);
    expect(mirror.stats().drift).toBe(3);
    expect(lines.filter((l) => String(l.msg).includes("drift"))).toHaveLength(1);
  });

  it("reports a Gen1 device once as not mirrorable and never sends it RPC", () => {
    const fleet = new FakeFleet();
    const { mirror, lines } = setup([rule("nights", { except: ["Porto/Kitchen/*"] })], fleet);
    const gen1: KnownDevice = {
      path: "Porto/Office/OldPlug",
      prefix: "shellies/shellyplug-s-7AD4B1",
      generation: 1,
    };
    const excepted: KnownDevice = { ...gen1, path: "Porto/Kitchen/Old", prefix: "shellies/x" };
    for (let i = 0; i < 5; i++) {
      mirror.channelSeen(gen1, 0, T0 + i);
      mirror.channelSeen(excepted, 0, T0 + i);
      mirror.tick(T0 + i);
    }
    expect(fleet.requests).toEqual([]);
    expect(mirror.stats()).toMatchObject({ notMirrorable: 1, devicesMirrored: 0 });
    expect(lines.filter((l) => String(l.msg).includes("Gen1"))).toHaveLength(1);
  });

  it("respects the 20-job limit: -108 is a failure for each job not created", () => {
    const fleet = new FakeFleet();
    const device = fleet.add("Porto/Office/Circuits", [0, 1, 2, 3]);
    for (let i = 1; i <= 18; i++) device.jobs.push({ id: i, ...offJob(0, `0 ${i} 6 * * MON`) });
    device.nextId = 19;
    const { mirror, lines } = setup([rule("nights")], fleet);
    run(mirror, fleet, T0, 60_000);
    expect(device.jobs).toHaveLength(20);
    expect(fleet.changes()).toHaveLength(3); // two created, the third refused, the fourth not sent
    expect(mirror.stats()).toEqual({
      devicesMirrored: 0,
      jobsCreated: 2,
      drift: 0,
      notMirrorable: 0,
      failures: 2,
    });
    expect(lines.filter((l) => String(l.msg).includes("full"))[0]).toMatchObject({
      notCreated: 2,
    });
  });

  it("mirrors no dry-run rule", () => {
    const fleet = new FakeFleet();
    fleet.add("Porto/Office/Lamp", [0]);
    const { mirror } = setup([rule("trial", { dryRun: true })], fleet);
    run(mirror, fleet, T0);
    expect(fleet.requests).toEqual([]);
  });

  it("mirrors a rule only on devices in its zone, when the device says its zone", () => {
    const fleet = new FakeFleet();
    const lisbon = fleet.add("Porto/Office/Lamp", [0], { tz: "Europe/Lisbon" });
    const utc = fleet.add("Porto/Office/Rack", [0], { tz: "Etc/UTC" });
    const { mirror, lines } = setup(
      [rule("nights"), rule("utc-lunch", { windows: ["12:00-13:00"], timeZone: "UTC" })],
      fleet,
    );
    run(mirror, fleet, T0);
    expect(lisbon.jobs.map((j) => j.timespec)).toEqual([`0 30 20 * * ${EVERY_DAY}`]);
    expect(utc.jobs.map((j) => j.timespec)).toEqual([`0 0 12 * * ${EVERY_DAY}`]);
    expect(mirror.stats()).toMatchObject({ notMirrorable: 2, devicesMirrored: 2 });
    expect(lines.filter((l) => String(l.msg).includes("time zone is not"))).toHaveLength(2);
  });

  it("sends at most maxRequestsPerTick per tick and one request per device at a time", () => {
    const fleet = new FakeFleet();
    for (let i = 0; i < 30; i++) fleet.add(`Porto/Room${i}/Lamp`, [0]);
    const { mirror } = setup([rule("nights")], fleet);
    fleet.seeAll(mirror, T0);
    mirror.tick(T0);
    expect(fleet.requests).toHaveLength(10);
    fleet.deliver(mirror, T0);
    mirror.tick(T0 + 250);
    expect(fleet.requests).toHaveLength(20);
    run(mirror, fleet, T0 + 500, 20_000); // the fake fails the test on a second outstanding request
    expect(mirror.stats()).toMatchObject({ devicesMirrored: 30, jobsCreated: 30 });
  });

  it("asks a silent device again after a timeout, counting a failure", () => {
    const fleet = new FakeFleet();
    const device = fleet.add("Porto/Office/Lamp", [0], { silent: true });
    const { mirror } = setup([rule("nights")], fleet, { requestTimeoutMs: 5_000 });
    let now = run(mirror, fleet, T0, 6_000);
    expect(fleet.requests.map((r) => r.method)).toEqual(["Sys.GetConfig"]);
    expect(mirror.stats().failures).toBe(1);
    device.silent = false;
    now = run(mirror, fleet, now, 55_000);
    expect(fleet.requests).toHaveLength(1); // backing off
    run(mirror, fleet, now, 10_000);
    expect(device.jobs).toHaveLength(1);
    expect(mirror.stats()).toMatchObject({ devicesMirrored: 1, failures: 1 });
  });

  it("mirrors a channel first seen after the device was done", () => {
    const fleet = new FakeFleet();
    const device = fleet.add("Porto/Office/Circuits", [0]);
    const { mirror } = setup([rule("nights")], fleet);
    const now = run(mirror, fleet, T0);
    device.channels.push(3);
    run(mirror, fleet, now);
    expect(device.jobs.map((j) => j.calls[0]!.params!.id)).toEqual([0, 3]);
  });

  it("ignores answers that are not its own and snapshots that are unusable", () => {
    const fleet = new FakeFleet();
    const { mirror, options, lines } = setup([rule("nights")], fleet);
    expect(mirror.onRpcResponse(7, { was_on: true }, undefined, T0)).toBe(false);
    expect(mirror.onRpcResponse(FIRST_MIRROR_RPC_ID + 99, {}, undefined, T0)).toBe(true);
    for (const bad of [null, "x", { format: "other", version: 1, devices: {} }]) {
      expect(ScheduleMirror.restore(bad, options).snapshot().devices).toEqual({});
    }
    expect(lines.filter((l) => String(l.msg).includes("unusable"))).toHaveLength(3);
  });
});

describe("planSchedule", () => {
  it("leaves a recorded id alone when it now runs something else (a reset device renumbered)", () => {
    const key = JSON.stringify(["nights", "20:30-08:30", 0]);
    const timespec = `0 30 20 * * ${EVERY_DAY}`;
    const foreign = {
      id: 1,
      enable: true,
      timespec: "0 0 7 * * MON",
      calls: [{ method: "Script.Start", params: { id: 1 } }],
    };
    const plan = planSchedule(
      [foreign],
      new Map([[key, { rule: "nights", window: "20:30-08:30", channel: 0, id: 1, timespec }]]),
      new Map([[key, { key, rule: "nights", window: "20:30-08:30", channel: 0, timespec }]]),
    );
    expect(plan.actions.map((a) => a.kind)).toEqual(["create"]);
    expect(plan.drift).toEqual([{ key, id: 1, what: "changed" }]);
    expect(plan.own.size).toBe(0);
  });
});

function chan(job: { calls: { params?: Record<string, unknown> }[] }): number {
  return job.calls[0]!.params!.id as number;
}
