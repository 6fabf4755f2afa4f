import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMqttClient } from "@coreflux/mqtt-adapter";
import { createFleet } from "@coreflux/shelly-simulator";
import {
  findBinary,
  freePort,
  NATS_SERVER_BIN,
  type ProcessExit,
  sleep,
  startMosquittoBroker,
  startNatsCluster,
  type TestBroker,
  waitUntil,
} from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AggregatorProcess, waitForQuiet } from "../reliability/helpers/aggregator";
import { FleetStream } from "../reliability/helpers/fleet-stream";
import { Observer } from "../reliability/helpers/observer";
import { readStateSummary } from "../reliability/helpers/state-file";
import { compareWithTruth, truthNodes } from "../reliability/helpers/truth";
import { INTERVAL_S, SPEED, uniqueCompany } from "./scenario";

const MOSQUITTO = findBinary("mosquitto", "MOSQUITTO_BIN");
const q = (text: string) => JSON.stringify(text);

/** Where each instance connects (failover lists), and where the fleet publishes. */
interface Layout {
  deviceUrl: string;
  /** The observer's (and the sniffing of statuses') broker URL. */
  observeUrl: string;
  /** `[mqtt] urls` of the first partition (its first URL is dead: it must fail over). */
  partitionA: string[];
  partitionB: string[];
  rollup: string[];
}

/** One instance's config text: a partition (`subtree`) or the roll-up (`rollup`). */
function instanceConfig(
  dir: string,
  company: string,
  urls: readonly string[],
  role: { subtree: string } | { rollup: { partitions: string[] } },
  placements: readonly { match: string; path: string }[],
): string {
  const lines = [
    "[company]",
    `topic = ${q("subtree" in role ? `${company}/${role.subtree}/#` : `${company}/#`)}`,
    "",
    "[mqtt]",
    `urls = [${urls.map(q).join(", ")}]`,
    "clean_session = false",
    "",
    "[publish]",
    `interval_seconds = ${INTERVAL_S}`,
    "full_refresh_every = 4",
    "",
    "[state]",
    `path = ${q(join(dir, "state.json"))}`,
    "",
    "[accounting]",
    'time_zone = "UTC"',
    // Sped-up fleets squeeze Gen1 arrival times (see the reliability suite's config helper).
    "max_power_w = 60000",
    "",
    "[http]",
    "port = 0",
    "",
    "[log]",
    'format = "json"',
  ];
  if ("rollup" in role) {
    lines.push(
      "",
      "[rollup]",
      `sources = [${q(`${company}/+/OfficeEnergyConsumed`)}]`,
      `partitions = [${role.rollup.partitions.map(q).join(", ")}]`,
    );
  }
  for (const rule of placements) {
    lines.push("", "[[devices]]", `match = ${q(rule.match)}`, `path = ${q(rule.path)}`);
  }
  const path = join(dir, "config.toml");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/**
 * Two partitions (one office each) and a roll-up, on `layout`: the published device, room and
 * office totals (from the partitions) and the company total (from the roll-up) must equal the
 * simulator's truth to the mWh through a kill -9 of one partition and a SIGTERM of the roll-up.
 */
async function partitionScenario(label: string, layout: Layout) {
  const company = uniqueCompany(label);
  const root = mkdtempSync(join(tmpdir(), `coreflux-interop-${label}-`));
  const fleet = createFleet({
    seed: 5151,
    company,
    offices: 2,
    roomsPerOffice: 2,
    devicesPerRoom: 3,
  });
  const offices = [...new Set(fleet.devices.map((d) => d.path.split("/")[1]!))].sort();
  expect(offices).toHaveLength(2);
  const metersIn = (office: string) =>
    fleet.devices
      .filter((d) => d.path.split("/")[1] === office)
      .reduce((n, d) => n + d.meters.length, 0);
  const folder = (name: string) => mkdtempSync(join(root, `${name}-`));
  const placements = fleet.placements();
  const instances = [
    {
      name: offices[0]!,
      config: instanceConfig(
        folder("a"),
        company,
        layout.partitionA,
        { subtree: offices[0]! },
        placements,
      ),
      meters: metersIn(offices[0]!),
    },
    {
      name: offices[1]!,
      config: instanceConfig(
        folder("b"),
        company,
        layout.partitionB,
        { subtree: offices[1]! },
        placements,
      ),
      meters: metersIn(offices[1]!),
    },
    {
      name: "rollup",
      config: instanceConfig(
        folder("rollup"),
        company,
        layout.rollup,
        { rollup: { partitions: offices } },
        [],
      ),
      meters: 0,
    },
  ];
  const processes = instances.map((i) => new AggregatorProcess(i.config));
  const start = async (index: number) => {
    processes[index] = new AggregatorProcess(instances[index]!.config);
    await processes[index]!.subscribed(1, 60_000);
  };
  let observer: Observer | undefined;
  const publisher = createMqttClient({
    url: layout.deviceUrl,
    clientId: `fleet-${company}`,
    reconnect: { minDelayMs: 50, maxDelayMs: 500 },
    publishQueue: { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024, maxInFlight: 100 },
  });
  try {
    await Promise.all(processes.map((p) => p.subscribed(1, 60_000)));
    observer = await Observer.connect(layout.observeUrl, company);
    await publisher.connect({ timeoutMs: 10_000 });
    const stream = new FleetStream(fleet, publisher, SPEED);
    stream.start();
    const stateOf = (i: number) =>
      readStateSummary(instances[i]!.config.replace(/config\.toml$/, "state.json"));
    await waitUntil(
      () => [0, 1].every((i) => stateOf(i)?.referenced === instances[i]!.meters),
      "every meter's first reading in its partition's state file",
      30_000,
    );

    // Partition A fails over from its dead first URL; B and the roll-up use theirs.
    const connectedUrls = processes.map((p) => String(p.linesWith("connected")[0]?.url));

    // kill -9 of a partition while the fleet publishes; its queue waits in its session.
    await sleep(1500);
    processes[0]!.kill("SIGKILL");
    await processes[0]!.exited;
    await sleep(2000);
    await start(0);

    // SIGTERM of the roll-up: it restarts from its state, never below what it published.
    await sleep(1500);
    const rollupExit: ProcessExit = await processes[2]!.stop();
    await start(2);
    await sleep(1500);

    const result = await stream.finish();
    const expected = truthNodes(result.truth);
    const obs = observer;
    const differences = () => compareWithTruth(obs.latest, expected);
    await waitUntil(() => differences().length === 0, "the totals to reach the truth", 90_000, {
      describe: () => differences().slice(0, 10).join("\n"),
    }).catch(() => undefined);
    await Promise.all([0, 1].map((i) => waitForQuiet(processes[i]!, 1500, 30_000)));
    await sleep(3 * INTERVAL_S * 1000);
    const companyPayload = observer.latest.get(company);
    const finalDifferences = differences();
    const finalExits = await Promise.all(processes.map((p) => p.stop()));
    return {
      company,
      offices,
      published: result.messages,
      companyMwh: result.truth.energyMwh,
      nodesCompared: expected.size,
      differences: finalDifferences,
      connectedUrls,
      rollupExit,
      finalExits,
      partitionsInPayload: companyPayload?.Partitions,
      lagging: companyPayload?.PartitionsLagging,
    };
  } catch (error) {
    const tails = processes
      .map((p, i) => `--- ${instances[i]!.name} ---\n${p.output.slice(-3000)}`)
      .join("\n");
    throw new Error(`${(error as Error).message}\n${tails}`, { cause: error });
  } finally {
    for (const p of processes) if (p.running) await p.stop(5000);
    await observer?.close();
    await publisher.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** A URL nothing listens on (a node that is down). */
async function deadUrl(): Promise<string> {
  return `mqtt://127.0.0.1:${await freePort()}`;
}

function expectExact(result: Awaited<ReturnType<typeof partitionScenario>>, layout: Layout) {
  console.info(`[interop] partitions: ${JSON.stringify({ layout, ...result })}`);
  expect(result.differences).toEqual([]);
  expect(result.nodesCompared).toBeGreaterThan(10);
  // The first partition skipped its dead first URL.
  expect(result.connectedUrls[0]).toBe(layout.partitionA[1]);
  expect(result.rollupExit.code).toBe(0);
  expect(result.finalExits.map((e) => e.code)).toEqual([0, 0, 0]);
  expect(result.partitionsInPayload).toEqual(
    result.offices.map((name) => ({ Name: name, Status: "online" })),
  );
  expect(result.lagging).toBe(false);
}

describe.skipIf(MOSQUITTO === undefined)(
  MOSQUITTO === undefined
    ? "partitions on Mosquitto: SKIPPED, mosquitto is not installed"
    : "partitions and a roll-up on one Mosquitto, failover from a dead first URL",
  () => {
    let broker: TestBroker | undefined;
    beforeAll(async () => {
      broker = await startMosquittoBroker();
    });
    afterAll(async () => {
      await broker?.stop();
    });
    it("two partitions and the roll-up publish the truth to the mWh through kill -9 and SIGTERM", async () => {
      const b = broker as TestBroker;
      const layout: Layout = {
        deviceUrl: b.deviceUrl,
        observeUrl: b.serviceUrl,
        partitionA: [await deadUrl(), b.serviceUrl],
        partitionB: [b.serviceUrl],
        rollup: [b.serviceUrl],
      };
      expectExact(await partitionScenario("PartMosq", layout), layout);
    });
  },
);

describe.skipIf(NATS_SERVER_BIN === undefined)(
  NATS_SERVER_BIN === undefined
    ? "partitions on a NATS cluster: SKIPPED, nats-server is not installed"
    : "partitions on different nodes of a 3-node NATS cluster, the roll-up on the third",
  () => {
    let cluster: TestBroker & { serviceUrls: readonly string[] };
    beforeAll(async () => {
      cluster = await startNatsCluster({ size: 3 });
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    it("partition A on n1 (after a dead URL), B on n2, the roll-up on n3: exact", async () => {
      const [n1, n2, n3] = cluster.serviceUrls as [string, string, string];
      const layout: Layout = {
        deviceUrl: n1,
        observeUrl: n3,
        partitionA: [await deadUrl(), n1],
        partitionB: [n2, n3],
        rollup: [n3, n1],
      };
      expectExact(await partitionScenario("PartNats", layout), layout);
    });
  },
);
