import type { AutomationRule } from "@coreflux/automation";
import { parseShellyMessage } from "@coreflux/shelly-schema";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { sleep } from "@coreflux/test-support";
import mqtt from "mqtt";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { KnownDevice } from "../src/device-directory";
import { type MirrorOptions, ScheduleMirror } from "../src/schedule-mirror";
import { BROKER_URL, uniqueCompany } from "./harness";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const EVERY_DAY = "SUN,MON,TUE,WED,THU,FRI,SAT";

interface Job {
  id: number;
  enable: boolean;
  timespec: string;
  calls: { method: string; params?: Record<string, unknown> }[];
}

/** A plain client on `<clientId>/rpc`: what the service does for the mirror, and our own RPC. */
async function rpcClient(clientId: string) {
  const client = await mqtt.connectAsync(BROKER_URL, { clientId, clean: true });
  cleanups.push(() => client.endAsync());
  const handlers: ((id: number, result: unknown, error: unknown) => void)[] = [];
  const published: { topic: string; method: string }[] = [];
  client.on("message", (topic, payload) => {
    const parsed = parseShellyMessage(topic, payload);
    if (!parsed.ok || parsed.message.kind !== "rpc-response") return;
    const m = parsed.message;
    if (typeof m.id === "number") for (const h of handlers) h(m.id, m.result, m.error);
  });
  await client.subscribeAsync(`${clientId}/rpc`, { qos: 1 });
  return {
    published,
    onResponse: (h: (id: number, result: unknown, error: unknown) => void) => handlers.push(h),
    publish: (topic: string, payload: string) => {
      published.push({ topic, method: (JSON.parse(payload) as { method: string }).method });
      client.publish(topic, payload, { qos: 1, retain: false });
    },
  };
}

/** Runs `mirror` the way the service would, until `done` or `timeoutMs`. */
async function drive(
  mirror: ScheduleMirror,
  switches: { device: KnownDevice; channel: number }[],
  done: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) {
    for (const s of switches) mirror.channelSeen(s.device, s.channel, Date.now());
    mirror.tick(Date.now());
    await sleep(100);
  }
}

describe("schedule mirror end to end (real Mosquitto, the simulator storing schedules)", () => {
  it("puts every governed Gen2 switch channel's job on its device; a restored mirror creates nothing; a rule that goes takes only its jobs", async () => {
    const company = uniqueCompany("Mirror");
    const fleetOptions = {
      seed: 99,
      company,
      offices: 1,
      roomsPerOffice: 2,
      devicesPerRoom: 3,
      models: { "gen1-plug-s": 1, "plus-plug-s": 1, "pro-4pm": 1 },
    } as FleetOptions;
    const fleet = createFleet(fleetOptions);
    const known = fleet.devices.map((d) => ({
      device: {
        path: d.path.split("/").slice(1).join("/"),
        prefix: d.prefix,
        generation: d.generation,
      } satisfies KnownDevice,
      channels: d.meters
        .filter((m) => /^(switch|relay):\d+$/.test(m))
        .map((m) => Number(m.split(":")[1])),
    }));
    const switches = known.flatMap((k) => k.channels.map((channel) => ({ ...k, channel })));
    const gen2 = known.filter((k) => k.device.generation === 2 && k.channels.length > 0);
    const excepted = gen2.find((k) => k.channels.length === 1)!;
    const governed = gen2.filter((k) => k !== excepted);
    expect(governed.some((k) => k.channels.length === 4)).toBe(true); // a Pro 4PM among them
    const gen1 = known.filter((k) => k.device.generation === 1 && k.channels.length > 0);
    expect(gen1.length).toBeGreaterThan(0);

    // The simulator, answering RPC; its first message means it listens.
    const listening = await mqtt.connectAsync(BROKER_URL, { clientId: `l-${company}` });
    cleanups.push(() => listening.endAsync());
    let heard = false;
    listening.on("message", () => {
      heard = true;
    });
    await listening.subscribeAsync(`${company}/#`, { qos: 1 });
    const stop = new AbortController();
    const sim = runSimulator({
      ...fleetOptions,
      url: BROKER_URL,
      speed: 20,
      qos: 1,
      commands: true,
      signal: stop.signal,
    });
    cleanups.push(async () => {
      stop.abort();
      await sim.catch(() => undefined);
    });
    for (let i = 0; i < 100 && !heard; i++) await sleep(100);
    expect(heard).toBe(true);

    // The service side.
    const service = await rpcClient(`mirror-${company}`);
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const windows = ["20:30-08:30", "12:00-13:00"];
    const rules: AutomationRule[] = [
      {
        name: "nights",
        windows,
        timeZone: "UTC",
        except: [excepted.device.path],
      },
    ];
    const options = (r: AutomationRule[]): MirrorOptions => ({
      rules: r,
      clientId: `mirror-${company}`,
      publish: service.publish,
      log,
    });
    let current: ScheduleMirror | undefined;
    service.onResponse((id, result, error) =>
      current?.onRpcResponse(id, result, error, Date.now()),
    );
    const first = new ScheduleMirror(options(rules));
    current = first;
    await drive(first, switches, () => first.stats().devicesMirrored === governed.length);

    const jobsWanted = governed.reduce((n, k) => n + k.channels.length * windows.length, 0);
    expect(first.stats()).toEqual({
      devicesMirrored: governed.length,
      jobsCreated: jobsWanted,
      drift: 0,
      notMirrorable: gen1.length,
      failures: 0,
    });
    // Sys.GetConfig is not answered by the simulator (404): the zone is assumed, and said once per device.
    expect(lines.filter((l) => String(l.msg).includes("does not tell its time zone"))).toHaveLength(
      gen2.length - 1,
    );

    // Our own Schedule.List of every Gen2 device.
    const checker = await rpcClient(`check-${company}`);
    const listAll = async (): Promise<Map<string, Job[]>> => {
      const answers = new Map<number, Job[]>();
      checker.onResponse((id, result) => {
        const jobs = (result as { jobs?: Job[] } | undefined)?.jobs;
        if (Array.isArray(jobs)) answers.set(id, jobs);
      });
      const ids = new Map<string, number>();
      gen2.forEach((k, i) => {
        ids.set(k.device.prefix, i + 1);
        checker.publish(
          `${k.device.prefix}/rpc`,
          JSON.stringify({ id: i + 1, src: `check-${company}`, method: "Schedule.List" }),
        );
      });
      for (let i = 0; i < 100 && answers.size < gen2.length; i++) await sleep(50);
      return new Map([...ids].map(([prefix, id]) => [prefix, answers.get(id)!]));
    };
    const listed = await listAll();
    expect(listed.get(excepted.device.prefix)).toEqual([]);
    for (const k of governed) {
      const jobs = listed.get(k.device.prefix)!;
      const expected = k.channels.flatMap((channel) =>
        ["0 30 20", "0 0 12"].map((time) => ({
          enable: true,
          timespec: `${time} * * ${EVERY_DAY}`,
          calls: [{ method: "Switch.Set", params: { id: channel, on: false } }],
        })),
      );
      const sortKey = (j: Omit<Job, "id">) => `${j.calls[0]!.params!.id} ${j.timespec}`;
      const got = jobs
        .map(({ id: _, ...j }) => j)
        .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
      expect(got, k.device.path).toEqual(
        expected.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1)),
      );
    }
    // Gen1 devices were never sent RPC.
    for (const k of gen1) {
      expect(service.published.filter((p) => p.topic.startsWith(k.device.prefix))).toEqual([]);
    }

    // A second mirror, restored from the snapshot as the state file holds it, creates nothing.
    const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const sentBefore = service.published.length;
    const second = ScheduleMirror.restore(snapshot, options(rules));
    current = second;
    await drive(second, switches, () => second.stats().devicesMirrored === governed.length);
    const sent = service.published.slice(sentBefore);
    expect(
      sent.filter((p) => p.method !== "Sys.GetConfig" && p.method !== "Schedule.List"),
    ).toEqual([]);
    expect(sent.filter((p) => p.method === "Schedule.List")).toHaveLength(gen2.length - 1);
    expect(second.stats()).toMatchObject({ devicesMirrored: governed.length, jobsCreated: 0 });
    expect(await listAll()).toEqual(listed);

    // The rule goes: the mirror deletes its jobs, and a person's job on the same device stays.
    const target = governed[0]!;
    checker.publish(
      `${target.device.prefix}/rpc`,
      JSON.stringify({
        id: 500,
        src: `check-${company}`,
        method: "Schedule.Create",
        params: {
          enable: true,
          timespec: "0 0 7 * * MON",
          calls: [{ method: "Switch.Set", params: { id: 0, on: true } }],
        },
      }),
    );
    await sleep(500);
    const third = ScheduleMirror.restore(second.snapshot(), options([]));
    current = third;
    const deletes = () => service.published.filter((p) => p.method === "Schedule.Delete").length;
    await drive(
      third,
      switches,
      () => deletes() === jobsWanted && Object.keys(third.snapshot().devices).length === 0,
    );
    expect(deletes()).toBe(jobsWanted);
    expect(third.snapshot().devices).toEqual({});
    expect(third.stats()).toMatchObject({ failures: 0, jobsCreated: 0, devicesMirrored: 0 });
    const after = await listAll();
    for (const k of gen2) {
      const jobs = after.get(k.device.prefix)!;
      expect(jobs.map((j) => j.timespec)).toEqual(k === target ? ["0 0 7 * * MON"] : []);
    }
  });
});
