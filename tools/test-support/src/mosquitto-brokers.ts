import { randomBytes } from "node:crypto";
import type { TestBroker } from "./broker";
import { type PrivateMosquitto, startMosquitto } from "./mosquitto";
import { sleep, waitUntil } from "./net";

/** Mosquitto config lines for persistence in the broker's own folder (saved at a clean stop). */
const persistence = (dir: string) => ["persistence true", `persistence_location ${dir}/`];

/**
 * A private Mosquitto with persistence in its folder as a {@link TestBroker}: devices and the
 * service share it; `restart()` is SIGTERM (which saves sessions and queued QoS 1 messages) and a
 * start on the same port. `config` adds lines (`max_queued_messages 5000`, ...).
 */
export async function startMosquittoBroker(
  options: { config?: (dir: string) => string[] } = {},
): Promise<TestBroker & { readonly mosquitto: PrivateMosquitto }> {
  const mosquitto = await startMosquitto({
    config: (dir) => [...persistence(dir), ...(options.config?.(dir) ?? [])],
  });
  return {
    name: "mosquitto",
    mosquitto,
    deviceUrl: mosquitto.url,
    serviceUrl: mosquitto.url,
    serviceUrls: [mosquitto.url],
    restartDropsService: true,
    restart: async () => {
      await mosquitto.kill("SIGTERM");
      await mosquitto.restart();
    },
    stop: () => mosquitto.stop(),
    log: () => mosquitto.log(),
  };
}

/** Options of {@link startMosquittoBridge}. */
export interface MosquittoBridgeOptions {
  /**
   * The bridge's `topic` lines without the keyword, as Mosquitto reads them:
   * `["Acme/# in 1"]` (B subscribes on A and republishes locally), `["Acme/# both 1"]`.
   */
  topics: readonly string[];
  /** More lines for the `connection` block (`bridge_protocol_version mqttv50`, ...). */
  bridgeLines?: readonly string[];
}

/**
 * How many QoS 1 messages A sends the bridge before it waits for PUBACKs (`max_inflight_messages`,
 * Mosquitto's default, written into A's config so that the bound is stated). A restart of A resends
 * what was in flight: at most this many messages reach B twice.
 */
export const BRIDGE_INFLIGHT_MESSAGES = 20;

/** Two private Mosquittos joined by a bridge, as a {@link TestBroker}. */
export interface MosquittoBridge extends TestBroker {
  /** Where the devices publish. */
  readonly remote: PrivateMosquitto;
  /** Where the bridge lives (it connects to `remote`), and where the service connects. */
  readonly local: PrivateMosquitto;
}

/**
 * Broker A (`remote`, the devices') and broker B (`local`, the service's), both with
 * persistence; B holds a bridge `connection` to A with a persistent session
 * (`cleansession false`) that retries every second. `restart()` restarts A: the bridge must
 * reconnect and pick up what A queued for it (it resolves once the bridge is connected again).
 * Resolves once B's bridge is connected to A: nothing published on A before is lost.
 */
export async function startMosquittoBridge(
  options: MosquittoBridgeOptions,
): Promise<MosquittoBridge> {
  const remote = await startMosquitto({
    config: (dir) => [...persistence(dir), `max_inflight_messages ${BRIDGE_INFLIGHT_MESSAGES}`],
  });
  const bridgeId = `bridge-${randomBytes(4).toString("hex")}`;
  let local: PrivateMosquitto;
  try {
    local = await startMosquitto({
      config: (dir) => [
        ...persistence(dir),
        // Mosquitto logs bridge connections at notice level ("Connecting bridge ...").
        `connection ${bridgeId}`,
        `address 127.0.0.1:${remote.port}`,
        ...options.topics.map((t) => `topic ${t}`),
        "cleansession false",
        `remote_clientid ${bridgeId}`,
        `local_clientid ${bridgeId}-local`,
        "restart_timeout 1",
        "notifications false",
        "bridge_protocol_version mqttv311",
        ...(options.bridgeLines ?? []),
      ],
    });
  } catch (error) {
    await remote.stop();
    throw error;
  }
  // A logs "New client connected from 127.0.0.1:<port> as <client id> (...)" at notice level.
  const bridgeConnects = () => remote.log().split(` as ${bridgeId} `).length - 1;
  const bridgeUp = async (times: number) => {
    await waitUntil(() => bridgeConnects() >= times, `bridge connection #${times} to A`, 15_000, {
      describe: () => `A:\n${remote.log().slice(-2000)}\nB:\n${local.log().slice(-2000)}`,
    });
    await sleep(200); // its SUBSCRIBE follows the CONNECT
  };
  try {
    await bridgeUp(1);
  } catch (error) {
    await local.stop();
    await remote.stop();
    throw error;
  }
  return {
    name: "mosquitto-bridge",
    remote,
    local,
    deviceUrl: remote.url,
    serviceUrl: local.url,
    serviceUrls: [local.url],
    restartDropsService: false,
    restart: async () => {
      const before = bridgeConnects();
      await remote.kill("SIGTERM");
      await remote.restart();
      await bridgeUp(before + 1);
    },
    stop: async () => {
      await local.stop();
      await remote.stop();
    },
    log: () => `--- A (devices) ---\n${remote.log()}--- B (bridge, service) ---\n${local.log()}`,
  };
}
