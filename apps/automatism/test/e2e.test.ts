import { rmSync } from "node:fs";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { sleep } from "@coreflux/test-support";
import { afterAll, describe, expect, it } from "vitest";
import {
  AutomatismProcess,
  clearRetained,
  eventsOf,
  observe,
  uniqueCompany,
  writeConfig,
} from "./harness";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A window open all day (two halves, so any test time is inside one). */
const ALL_DAY = 'windows = ["00:00-12:00", "12:00-00:00"]';

interface Run {
  company: string;
  fleetOptions: FleetOptions;
  switches: { path: string; channel: number; prefix: string; generation: 1 | 2 }[];
}

/** A small fleet of switchable devices (Gen1 and Gen2) and the config placing it. */
function fleetFor(name: string, extra: Partial<FleetOptions> = {}): Run & { placements: string } {
  const company = uniqueCompany(name);
  const fleetOptions: FleetOptions = {
    seed: 4711,
    company,
    offices: 1,
    roomsPerOffice: 2,
    devicesPerRoom: 3,
    models: { "gen1-plug-s": 1, "plus-plug-s": 1, "pro-4pm": 1 },
    ...extra,
  } as FleetOptions;
  const fleet = createFleet(fleetOptions);
  const switches = fleet.devices.flatMap((d) =>
    d.meters
      .filter((m) => /^(switch|relay):\d+$/.test(m))
      .map((m) => ({
        path: d.path.split("/").slice(1).join("/"),
        channel: Number(m.split(":")[1]),
        prefix: d.prefix,
        generation: d.generation,
      })),
  );
  const placements = fleet
    .placements()
    .map((p) => `[[devices]]\nmatch = "${p.match}"\npath = "${p.path}"\n`)
    .join("\n");
  return { company, fleetOptions, switches, placements };
}

function configText(
  run: Run & { placements: string },
  automatism: string,
  statePath: string,
): string {
  return `[company]
topic = "${run.company}/#"
[mqtt]
url = "mqtt://127.0.0.1:1883"
[accounting]
time_zone = "UTC"
[log]
format = "json"
[automatism]
enabled = true
client_id = "auto-${run.company}"
confirm_timeout_seconds = 2
retry_backoff_seconds = 1
max_attempts = 3
state_path = "${statePath}"
${automatism}

${run.placements}`;
}

/** Starts the simulator (answering commands) and the automatism; returns what was seen. */
async function start(run: Run & { placements: string }, automatism: string) {
  const { dir, path } = writeConfig("");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const { writeFileSync } = await import("node:fs");
  writeFileSync(path, configText(run, automatism, `${dir}/state.json`));
  const observer = await observe([`${run.company}/#`, "shellies/#", `auto-${run.company}/rpc`]);
  cleanups.push(() => observer.close());
  const process = new AutomatismProcess(path);
  cleanups.push(() => clearRetained(`${run.company}/automatism/status`));
  cleanups.push(() => process.stop());
  await process.ready();
  const stop = new AbortController();
  const sim = runSimulator({
    ...run.fleetOptions,
    url: "mqtt://127.0.0.1:1883",
    speed: 20,
    qos: 1,
    commands: true,
    signal: stop.signal,
  });
  cleanups.push(async () => {
    stop.abort();
    await sim.catch(() => undefined);
  });
  return { observer, process, configPath: path, stopSimulator: () => stop.abort(), sim };
}

const commandsTo = (seen: { topic: string; payload: string }[], prefix: string) =>
  seen.filter(
    (s) =>
      s.topic.startsWith(`${prefix}/command/switch:`) ||
      s.topic === `${prefix}/rpc` ||
      (s.topic.startsWith(`${prefix}/relay/`) && s.topic.endsWith("/command")),
  );

describe("coreflux-automatism end to end (real Mosquitto, the simulator answering commands)", () => {
  it("switches on channels off and confirms them; leaves excepted ones alone; a device that ignores commands gets max_attempts, then one failed", async () => {
    const base = fleetFor("Main");
    const [excepted, ignoring] = [
      base.switches[0]!,
      base.switches.find((s) => s.path !== base.switches[0]!.path)!,
    ];
    const run = fleetFor("Main", { ignoreCommands: [ignoring.prefix] });
    const { observer } = await start(
      {
        ...run,
        company: base.company,
        fleetOptions: { ...run.fleetOptions, company: base.company },
      },
      `[[automatism.rules]]\nname = "all-day"\n${ALL_DAY}\nexcept = ["${excepted.path}"]`,
    );
    await sleep(15_000);
    const events = eventsOf(observer.seen, base.company);
    const seen = observer.seen;
    // Excepted: never commanded.
    expect(commandsTo(seen, excepted.prefix)).toEqual([]);
    // Every command was for a channel, and every commanded channel of an obeying device is confirmed.
    const commanded = events.filter((e) => e.event === "commanded");
    expect(commanded.length).toBeGreaterThan(0);
    for (const c of commanded) {
      const ignores = c.path === ignoring.path;
      const ends = events.filter(
        (e) =>
          e.path === c.path &&
          e.channel === c.channel &&
          (e.event === "confirmed" || e.event === "failed"),
      );
      expect(
        ends.map((e) => e.event),
        `${c.path} switch:${c.channel}`,
      ).toEqual([ignores ? "failed" : "confirmed"]);
      if (ignores) {
        const attempts = events.filter(
          (e) =>
            e.path === c.path &&
            e.channel === c.channel &&
            (e.event === "commanded" || e.event === "retried"),
        );
        expect(attempts.map((e) => e.attempt)).toEqual([1, 2, 3]);
      }
    }
    // The ignoring device got exactly 3 commands per channel it had on.
    const ignoringChannels = new Set(
      commanded.filter((c) => c.path === ignoring.path).map((c) => c.channel),
    );
    expect(commandsTo(seen, ignoring.prefix)).toHaveLength(3 * ignoringChannels.size);
    console.log(
      "[automatism]",
      JSON.stringify({
        commanded: commanded.length,
        confirmed: events.filter((e) => e.event === "confirmed").length,
        failed: events.filter((e) => e.event === "failed").length,
        excepted: events.filter((e) => e.event === "excepted").length,
        ignoringChannels: ignoringChannels.size,
        excepted_path: excepted.path,
        ignoring: ignoring.path,
      }),
    );
    // Status: online, retained.
    expect(
      seen.some((s) => s.topic === `${base.company}/automatism/status` && s.payload === "online"),
    ).toBe(true);
  });

  it("a person wins: an override is reported once and respected, across a kill -9 of the automatism", async () => {
    const run = fleetFor("Person", { person: { probability: 1, afterS: 40, source: "button" } });
    const { observer, process, configPath } = await start(
      run,
      `[[automatism.rules]]\nname = "all-day"\n${ALL_DAY}`,
    );
    await sleep(10_000);
    let events = eventsOf(observer.seen, run.company);
    const overrides = events.filter((e) => e.event === "override");
    expect(overrides.length).toBeGreaterThan(0);
    // The automatism crashes and comes back inside the window: the overrides still hold.
    process.kill("SIGKILL");
    await process.exited;
    const restarted = new AutomatismProcess(configPath);
    cleanups.push(() => restarted.stop());
    await restarted.ready();
    expect(restarted.linesWith(/^automatism state restored/)).toHaveLength(1);
    await sleep(6_000);
    events = eventsOf(observer.seen, run.company);
    for (const o of overrides) {
      const later = events.filter(
        (e) =>
          e.path === o.path && e.channel === o.channel && (e.tsMs as number) > (o.tsMs as number),
      );
      expect(
        later.filter((e) => e.event === "commanded" || e.event === "retried"),
        `${o.path}`,
      ).toEqual([]);
      expect(
        later.filter((e) => e.event === "override"),
        "reported once",
      ).toEqual([]);
    }
    console.log(
      "[automatism]",
      JSON.stringify({ overrides: overrides.length, events: events.length }),
    );
  });

  it("dry run decides and reports, sends nothing", async () => {
    const run = fleetFor("Dry");
    const { observer } = await start(
      run,
      `dry_run = true\n[[automatism.rules]]\nname = "all-day"\n${ALL_DAY}`,
    );
    await sleep(6_000);
    const events = eventsOf(observer.seen, run.company);
    expect(events.filter((e) => e.event === "dry-run").length).toBeGreaterThan(0);
    expect(events.every((e) => e.event === "dry-run" && e.dryRun === true)).toBe(true);
    for (const s of run.switches) expect(commandsTo(observer.seen, s.prefix)).toEqual([]);
  });

  it("rpc: Switch.Set with the response read on <client id>/rpc; Gen1 relays by their command topic", async () => {
    const run = fleetFor("Rpc");
    const { observer } = await start(
      run,
      `command = "rpc"\n[[automatism.rules]]\nname = "all-day"\n${ALL_DAY}`,
    );
    await sleep(8_000);
    const events = eventsOf(observer.seen, run.company);
    const commanded = events.filter((e) => e.event === "commanded");
    expect(commanded.length).toBeGreaterThan(0);
    const gen1 = new Set(run.switches.filter((s) => s.generation === 1).map((s) => s.path));
    let rpc = 0;
    let relay = 0;
    for (const c of commanded) {
      const sw = run.switches.find((s) => s.path === c.path && s.channel === c.channel)!;
      const sent = commandsTo(observer.seen, sw.prefix);
      if (gen1.has(sw.path)) {
        expect(sent.map((x) => [x.topic, x.payload])).toContainEqual([
          `${sw.prefix}/relay/${sw.channel}/command`,
          "off",
        ]);
        relay++;
      } else {
        const request = sent
          .map((x) => JSON.parse(x.payload))
          .find((p) => p.params?.id === sw.channel);
        expect(request).toMatchObject({
          method: "Switch.Set",
          src: `auto-${run.company}`,
          params: { id: sw.channel, on: false },
        });
        const answer = observer.seen.find(
          (x) => x.topic === `auto-${run.company}/rpc` && JSON.parse(x.payload).id === request.id,
        );
        expect(JSON.parse(answer!.payload).result).toEqual({ was_on: true });
        rpc++;
      }
      expect(
        events.some((e) => e.path === c.path && e.channel === c.channel && e.event === "confirmed"),
      ).toBe(true);
    }
    console.log("[automatism]", JSON.stringify({ rpc, relay }));
    expect(rpc).toBeGreaterThan(0);
    expect(relay).toBeGreaterThan(0);
  });

  it("mirror_on_device: the rule is written into each governed Gen2 switch's own schedule", async () => {
    const run = fleetFor("Mirror");
    const { observer } = await start(
      run,
      `mirror_on_device = true\n[[automatism.rules]]\nname = "night"\nwindows = ["20:30-08:30"]\ndays = ["mon", "tue", "wed", "thu", "fri"]`,
    );
    await sleep(6_000);
    // Ask every Gen2 device for its schedules, as anyone could.
    const asker = await observe([`ask-${run.company}/rpc`]);
    cleanups.push(() => asker.close());
    const mqtt = (await import("mqtt")).default;
    const client = await mqtt.connectAsync("mqtt://127.0.0.1:1883", {
      clientId: `ask-${run.company}`,
    });
    cleanups.push(() => client.endAsync());
    const gen2 = [...new Set(run.switches.filter((s) => s.generation === 2).map((s) => s.prefix))];
    for (const [i, prefix] of gen2.entries()) {
      await client.publishAsync(
        `${prefix}/rpc`,
        JSON.stringify({ id: 900 + i, src: `ask-${run.company}`, method: "Schedule.List" }),
      );
    }
    await sleep(1_500);
    let jobs = 0;
    for (const [i, prefix] of gen2.entries()) {
      const answer = asker.seen.map((x) => JSON.parse(x.payload)).find((p) => p.id === 900 + i);
      const channels = run.switches.filter((s) => s.prefix === prefix).map((s) => s.channel);
      expect(answer?.result?.jobs?.length, prefix).toBe(channels.length);
      for (const job of answer.result.jobs) {
        expect(job.timespec).toBe("0 30 20 * * MON,TUE,WED,THU,FRI");
        expect(job.calls).toEqual([
          { method: "Switch.Set", params: { id: expect.any(Number), on: false } },
        ]);
      }
      jobs += answer.result.jobs.length;
    }
    // Gen1 devices are reported as not mirrorable, never sent an RPC.
    for (const s of run.switches.filter((x) => x.generation === 1)) {
      expect(observer.seen.some((x) => x.topic === `${s.prefix}/rpc`)).toBe(false);
    }
    console.log("[automatism]", JSON.stringify({ mirroredDevices: gen2.length, jobs }));
  });
});
