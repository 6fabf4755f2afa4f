import { canConnect, type NatsCluster, sleep, waitHealthy } from "@coreflux/test-support";
import mqtt from "mqtt";

/** What one MQTT round trip on a node gave: `ok`, or what went wrong. */
export type RoundTrip = string;

/** What {@link probeNodeStop} saw. */
export interface NodeStopObservation {
  /** Round trips on n1 and n2 two seconds after n3 stopped. */
  withOneNodeDown: RoundTrip[];
  /** `/healthz` of n1 and n2 meanwhile (status and error text). */
  healthWithOneNodeDown: string[];
  stoppedNodeAcceptsTcp: boolean;
  /** Round trips on n1, n2, n3 once n3 is back (retried for up to 30 s each). */
  afterRestart: RoundTrip[];
  /** Seconds until every node served a round trip again after n3 was started. */
  recoveryS: number;
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms),
    ),
  ]);

/**
 * A persistent-session client's round trip on `url`: connect (clean false), subscribe at QoS 1,
 * publish at QoS 1 and receive it back, each step within 5 s: what the aggregator and a device
 * need from a node.
 */
async function roundTrip(url: string, clientId: string): Promise<RoundTrip> {
  let client: mqtt.MqttClient | undefined;
  try {
    client = await within(
      mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 0, connectTimeout: 5000 }),
      6000,
      "CONNACK",
    );
    const c = client;
    const received = new Promise<void>((resolve) => c.once("message", () => resolve()));
    await within(c.subscribeAsync("InteropProbe/#", { qos: 1 }), 5000, "SUBACK");
    await within(c.publishAsync("InteropProbe/ping", "1", { qos: 1 }), 5000, "PUBACK");
    await within(received, 5000, "message back");
    return "ok";
  } catch (error) {
    return (error as Error).message;
  } finally {
    client?.end(true);
  }
}

/**
 * Stops node 3 of a running cluster (SIGTERM), tries an MQTT round trip on the other two, starts
 * node 3 again and waits until every node serves a round trip. Records what happened; the
 * caller asserts only what is deterministic.
 */
export async function probeNodeStop(cluster: NatsCluster): Promise<NodeStopObservation> {
  const [n1, n2, n3] = cluster.nodes;
  if (n1 === undefined || n2 === undefined || n3 === undefined) throw new Error("needs 3 nodes");
  await n3.kill("SIGTERM");
  await sleep(2000);
  const withOneNodeDown = await Promise.all(
    [n1, n2].map((n) => roundTrip(n.mqttUrl, `probe-${n.name}`)),
  );
  const healthWithOneNodeDown = await Promise.all(
    [n1, n2].map(async (n) => {
      const h = await n.health();
      return `${h.status} ${h.body}`;
    }),
  );
  const stoppedNodeAcceptsTcp = await canConnect(n3.mqttPort);
  const restartedAt = Date.now();
  await n3.start();
  await waitHealthy(cluster.nodes, 60_000);
  const afterRestart: RoundTrip[] = [];
  for (const n of cluster.nodes) {
    let outcome = "";
    const deadline = Date.now() + 30_000;
    do {
      outcome = await roundTrip(n.mqttUrl, `probe-${n.name}`);
      if (outcome !== "ok") await sleep(500);
    } while (outcome !== "ok" && Date.now() < deadline);
    afterRestart.push(outcome);
  }
  return {
    withOneNodeDown,
    healthWithOneNodeDown,
    stoppedNodeAcceptsTcp,
    afterRestart,
    recoveryS: Math.round((Date.now() - restartedAt) / 100) / 10,
  };
}
