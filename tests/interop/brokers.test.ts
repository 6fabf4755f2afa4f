import {
  BRIDGE_INFLIGHT_MESSAGES,
  findBinary,
  NATS_SERVER_BIN,
  type NatsCluster,
  type PrivateNats,
  RABBITMQ_SERVER_BIN,
  startMosquittoBridge,
  startMosquittoBroker,
  startNats,
  startNatsCluster,
  startRabbitMq,
  type TestBroker,
} from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeNodeStop } from "./node-stop";
import {
  embeddedBroker,
  runScenario,
  type ScenarioOptions,
  type ScenarioResult,
  uniqueCompany,
} from "./scenario";

const MOSQUITTO = findBinary("mosquitto", "MOSQUITTO_BIN");

/** A describe title that says why it is skipped when the binary is missing (never silently). */
function title(name: string, bin: string | undefined, what: string): string {
  if (bin !== undefined) return name;
  const message = `${name}: SKIPPED, ${what} is not installed (set its *_BIN variable or install it)`;
  console.warn(message);
  return message;
}

/** 2 offices × 2 rooms × 3 devices: 12 devices, 4 rooms, 2 offices, 1 company. */
const NODES = 12 + 4 + 2 + 1;
const CLEAN_EXIT = { code: 0, signal: null };

/** Runs the scenario, prints what it saw, and asserts the exact outcome every broker must give. */
async function exactScenario(
  options: ScenarioOptions,
  replay: "exact" | "at-least" = "exact",
): Promise<ScenarioResult> {
  const result = await runScenario(options);
  console.info(
    `[interop] ${options.label}: ${JSON.stringify({ ...result, differences: result.differences.slice(0, 5) })}`,
  );
  const aggregators = options.aggregators?.length ?? 1;
  expect(result.nodesCompared).toBe(NODES);
  expect(result.differences).toEqual([]);
  expect(result.companyMwh).toBeGreaterThan(0);
  expect(result.sigtermExits).toEqual(Array(aggregators).fill(CLEAN_EXIT));
  expect(result.finalExits).toEqual(Array(aggregators).fill(CLEAN_EXIT));
  // The default mix without faults: nothing is malformed, so nothing may be rejected (a broker's
  // internal topics reaching the intake would show here).
  expect(result.rejected).toEqual(Array(aggregators).fill({}));
  if (options.broker.kind === "external") {
    expect(result.queuedWhileAway).toBeGreaterThan(50);
    // Every message published while the aggregator was kill -9'd (and the broker restarted)
    // came from the persistent session, once: no loss, no redelivery of acknowledged ones.
    if (replay === "exact") {
      expect(result.replayedAfterRestart).toEqual(Array(aggregators).fill(result.queuedWhileAway));
    } else {
      // A NATS cluster redelivers a few messages it had delivered but not yet seen acknowledged
      // (208 for 205 in one run), a QoS 1 bridge what was in flight when its far end restarted:
      // duplicates, which the engine absorbs (totals stay exact).
      for (const n of result.replayedAfterRestart ?? []) {
        expect(n).toBeGreaterThanOrEqual(result.queuedWhileAway as number);
      }
    }
  }
  return result;
}

/**
 * One broker case: `start` gets the company the scenario will use (a bridge needs it for its
 * topic lines), `check` adds what is particular to this broker.
 */
function externalCase(
  name: string,
  start: (company: string) => Promise<TestBroker>,
  scenario: Omit<ScenarioOptions, "broker" | "company">,
  check?: (result: ScenarioResult, broker: TestBroker) => void,
  replay: "exact" | "at-least" = "exact",
) {
  let broker: TestBroker | undefined;
  const company = uniqueCompany(scenario.label);
  beforeAll(async () => {
    broker = await start(company);
  });
  afterAll(async () => {
    await broker?.stop();
  });
  const queueAcross = (scenario.restartBrokerWhileAway ?? true) ? " across a broker restart" : "";
  it(`${name}: exact totals through a broker restart, SIGTERM, and kill -9 with a queue${queueAcross}`, async () => {
    const b = broker as TestBroker;
    const result = await exactScenario(
      {
        ...scenario,
        company,
        broker: { kind: "external", broker: b },
      },
      replay,
    );
    check?.(result, b);
  });
}

describe.skipIf(MOSQUITTO === undefined)(
  title("1. private Mosquitto, MQTT 3.1.1", MOSQUITTO, "mosquitto"),
  () => {
    externalCase(
      "mosquitto v4",
      () => startMosquittoBroker(),
      {
        label: "MosqV4",
        aggregators: [{ protocolVersion: 4 }],
      },
      (result) => {
        // Clean restarts keep the session: every reconnect after the first finds it.
        expect(result.connects[0]).toEqual([
          { reconnect: false, sessionPresent: false },
          { reconnect: true, sessionPresent: true },
        ]);
        expect(result.foreignTopics).toEqual([]);
      },
    );
  },
);

describe.skipIf(MOSQUITTO === undefined)(
  title("2. private Mosquitto, MQTT 5", MOSQUITTO, "mosquitto"),
  () => {
    externalCase(
      "mosquitto v5",
      () => startMosquittoBroker(),
      {
        label: "MosqV5",
        aggregators: [{ protocolVersion: 5 }],
      },
      (result) => {
        expect(result.connects[0]).toEqual([
          { reconnect: false, sessionPresent: false },
          { reconnect: true, sessionPresent: true },
        ]);
        expect(result.foreignTopics).toEqual([]);
      },
    );
  },
);

describe("3. the embedded broker (its restart is the aggregator's)", () => {
  it("embedded: exact totals through SIGTERM and kill -9 of the aggregator that hosts the broker", async () => {
    const result = await exactScenario({ label: "Embedded", broker: await embeddedBroker() });
    expect(result.queuedWhileAway).toBeUndefined();
    expect(result.foreignTopics).toEqual([]);
  });
});

/**
 * Opt-in (INTEROP_NATS_QUEUED_RESTART=1): restarting NATS 2.9.10 while a kill -9'd session has
 * queued messages broke its JetStream consumers in about 1 run of 8 on a busy machine (the queue
 * vanished, or every `<company>/#` consumer stopped delivering for good); see the README. Without
 * that restart the case passed 16 of 16 under the same load. The restart with the aggregator
 * connected (step a) stays.
 */
const NATS_QUEUED_RESTART = process.env.INTEROP_NATS_QUEUED_RESTART === "1";
if (!NATS_QUEUED_RESTART) {
  console.warn(
    "4. NATS: the restart while a queue waits is SKIPPED, opt-in with INTEROP_NATS_QUEUED_RESTART=1 (NATS 2.9.10 bug, see README)",
  );
}

describe.skipIf(NATS_SERVER_BIN === undefined)(
  title("4. NATS with its MQTT gateway, single node", NATS_SERVER_BIN, "nats-server"),
  () => {
    externalCase(
      "nats",
      () => startNats(),
      { label: "Nats", restartBrokerWhileAway: NATS_QUEUED_RESTART },
      (result, broker) => {
        // NATS shows its JetStream plumbing to a `#` subscriber; the aggregator subscribes to
        // `<company>/#` only, so none of it reaches the intake (rejected is {} above).
        expect(result.foreignTopics.some((t) => t.startsWith("$MQTT/"))).toBe(true);
        expect(result.foreignTopics.some((t) => t.startsWith("$JS/"))).toBe(true);
        expect((broker as PrivateNats).node.name).toBe("n1");
      },
    );
  },
);

/**
 * Opt-in (INTEROP_NATS_CLUSTER=1): in 1 of 2 full runs the cluster case over-counted (published
 * totals above the truth, 13 nodes, up to +9.6 %) after the whole-cluster restart; see the
 * README. Not in CI until that is understood.
 */
const CLUSTER = process.env.INTEROP_NATS_CLUSTER === "1";
if (!CLUSTER) {
  console.warn(
    "5. NATS cluster: SKIPPED, opt-in with INTEROP_NATS_CLUSTER=1 (flaky over-count, see README)",
  );
}

describe.skipIf(NATS_SERVER_BIN === undefined || !CLUSTER)(
  CLUSTER
    ? title("5. NATS cluster of three on loopback", NATS_SERVER_BIN, "nats-server")
    : "5. NATS cluster of three on loopback: SKIPPED, opt-in with INTEROP_NATS_CLUSTER=1 (see README)",
  () => {
    let cluster: NatsCluster | undefined;
    externalCase(
      "nats cluster (fleet on n1, aggregator on n2, whole-cluster restart)",
      async () => {
        cluster = await startNatsCluster({ size: 3 });
        return cluster;
      },
      { label: "NatsCluster" },
      undefined,
      "at-least",
    );

    it("stopping one of three nodes: what the other two do (documented in the README)", async () => {
      const observed = await probeNodeStop(cluster as NatsCluster);
      console.info(`[interop] nats node stop: ${JSON.stringify(observed)}`);
      // Deterministic parts only: the stopped node refuses connections; the cluster serves MQTT
      // again on every node once the node is back.
      expect(observed.stoppedNodeAcceptsTcp).toBe(false);
      expect(observed.afterRestart).toEqual(["ok", "ok", "ok"]);
    });
  },
);

describe.skipIf(MOSQUITTO === undefined)(
  title("6. Mosquitto bridge: devices on A, aggregator on B", MOSQUITTO, "mosquitto"),
  () => {
    externalCase(
      "mosquitto bridge (A restarted mid-run)",
      (company) => startMosquittoBridge({ topics: [`${company}/# in 1`, "shellies/# in 1"] }),
      { label: "Bridge" },
      (result) => {
        expect(result.foreignTopics).toEqual([]);
        // Only what was in flight on the bridge when A went down comes again: at most A's
        // in-flight window.
        for (const n of result.replayedAfterRestart ?? []) {
          expect(n).toBeLessThanOrEqual(
            (result.queuedWhileAway as number) + BRIDGE_INFLIGHT_MESSAGES,
          );
        }
      },
      // The bridge is QoS 1 (at least once): a message A had sent to B but whose PUBACK A had
      // not recorded when it restarted is sent again, and B queues it again for the aggregator
      // (223 for 222 in one CI run, 227 for 221 in another). A duplicate the engine absorbs: the
      // totals stay exact.
      "at-least",
    );
  },
);

describe.skipIf(RABBITMQ_SERVER_BIN === undefined)(
  title(
    "9. RabbitMQ 3.10 with rabbitmq_mqtt, private node",
    RABBITMQ_SERVER_BIN,
    "rabbitmq-server",
  ),
  () => {
    externalCase(
      "rabbitmq",
      () => startRabbitMq(),
      // MQTT 3.1.1 only in 3.x (an MQTT 5 CONNECT is closed without an answer).
      { label: "Rabbit", aggregators: [{ protocolVersion: 4 }] },
      (result) => {
        expect(result.foreignTopics).toEqual([]);
      },
    );
  },
);
