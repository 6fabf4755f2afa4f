import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, type TestBroker } from "./broker";
import { canConnect, freePort, sleep, waitUntil } from "./net";

/**
 * The NATS server binary (`$NATS_SERVER_BIN`, `/usr/sbin/nats-server`, or PATH); undefined when
 * it is not installed. Its MQTT gateway needs JetStream (a store folder) and speaks MQTT 3.1.1
 * only (2.9), and refuses topics with a space or a dot (they are NATS subject separators).
 */
export const NATS_SERVER_BIN = findBinary("nats-server", "NATS_SERVER_BIN");

/** One NATS server of a test: its ports, its folder (config, JetStream store) and its log. */
export interface NatsNode {
  /** `server_name`: `n1`, `n2`, ... */
  readonly name: string;
  /** `mqtt://127.0.0.1:<mqtt port>`. */
  readonly mqttUrl: string;
  readonly mqttPort: number;
  /** NATS protocol port (`listen`). */
  readonly clientPort: number;
  /** Monitoring port (`http`): `/healthz`, `/varz`, `/jsz`. */
  readonly httpPort: number;
  /** Route port of a cluster node; undefined for a single server. */
  readonly clusterPort: number | undefined;
  readonly dir: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** Starts it (again) with the same config and store; resolves once it is healthy. */
  start(): Promise<void>;
  /** Sends `signal` and waits for the exit (SIGKILL after 10 s). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** `GET /healthz` now: status and body (JetStream's health included), or the error. */
  health(): Promise<{ status: number; body: string }>;
  /** Its log so far. */
  log(): string;
}

interface NodePorts {
  name: string;
  clientPort: number;
  mqttPort: number;
  httpPort: number;
  clusterPort: number | undefined;
}

async function nodePorts(name: string, clustered: boolean): Promise<NodePorts> {
  return {
    name,
    clientPort: await freePort(),
    mqttPort: await freePort(),
    httpPort: await freePort(),
    clusterPort: clustered ? await freePort() : undefined,
  };
}

function nodeConfig(
  ports: NodePorts,
  dir: string,
  routes: readonly number[],
  extra: string[],
): string {
  const lines = [
    `server_name: ${ports.name}`,
    `listen: 127.0.0.1:${ports.clientPort}`,
    `http: 127.0.0.1:${ports.httpPort}`,
    `jetstream { store_dir: ${JSON.stringify(join(dir, "jetstream"))} }`,
    `mqtt { listen: 127.0.0.1:${ports.mqttPort} }`,
  ];
  if (ports.clusterPort !== undefined) {
    lines.push(
      "cluster {",
      "  name: coreflux-test",
      `  listen: 127.0.0.1:${ports.clusterPort}`,
      `  routes: [${routes.map((p) => `nats-route://127.0.0.1:${p}`).join(", ")}]`,
      "}",
    );
  }
  return `${[...lines, ...extra].join("\n")}\n`;
}

function createNode(
  bin: string,
  ports: NodePorts,
  dir: string,
  routes: number[],
  extra: string[],
): NatsNode {
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, "nats.conf");
  writeFileSync(confPath, nodeConfig(ports, dir, routes, extra));
  let child: ChildProcess | undefined;
  let output = "";
  const running = (proc: ChildProcess | undefined): proc is ChildProcess =>
    proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  const health = async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${ports.httpPort}/healthz`, {
        headers: { connection: "close" },
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { status: 0, body: String(error) };
    }
  };
  return {
    ...ports,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqttPort}`,
    dir,
    get running() {
      return running(child);
    },
    start: async () => {
      if (running(child)) return;
      const proc = spawn(bin, ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      const append = (chunk: string) => {
        output += chunk;
      };
      proc.stdout?.setEncoding("utf8").on("data", append);
      proc.stderr?.setEncoding("utf8").on("data", append);
      proc.once("error", (error) => append(`cannot run ${bin}: ${error.message}\n`));
      // A cluster node reports healthy only once the JetStream meta group has a leader, which
      // needs a quorum of nodes: the caller starts every node before waiting (see waitHealthy).
      await waitUntil(
        async () => {
          if (!running(proc)) throw new Error(`nats-server ${ports.name} exited:\n${output}`);
          return canConnect(ports.mqttPort);
        },
        `nats-server ${ports.name} to listen for MQTT on ${ports.mqttPort}`,
        15_000,
        { describe: () => output.slice(-2000) },
      );
    },
    kill: async (signal = "SIGTERM") => {
      const proc = child;
      if (!running(proc)) return;
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
    health,
    log: () => output,
  };
}

/** Waits until every running node of `nodes` answers `/healthz` with 200 (JetStream ready). */
export async function waitHealthy(nodes: readonly NatsNode[], timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    async () => {
      for (const node of nodes) {
        if (node.running && (await node.health()).status !== 200) return false;
      }
      return true;
    },
    "every NATS node to be healthy",
    timeoutMs,
    {
      everyMs: 100,
      describe: () => nodes.map((n) => `${n.name}:\n${n.log().slice(-1500)}`).join("\n"),
    },
  );
}

/** Options of {@link startNats} and {@link startNatsCluster}. */
export interface NatsOptions {
  /** More top-level config lines (`debug: true`, ...). */
  config?: string[];
}

/** A single NATS server with JetStream and the MQTT gateway, as a {@link TestBroker}. */
export interface PrivateNats extends TestBroker {
  readonly node: NatsNode;
}

/**
 * Starts a private `nats-server` (JetStream store and config in a temporary folder, every port a
 * free one on 127.0.0.1) and resolves once `/healthz` is 200. Throws if the binary is missing.
 */
export async function startNats(options: NatsOptions = {}): Promise<PrivateNats> {
  if (NATS_SERVER_BIN === undefined) throw new Error("nats-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "coreflux-nats-"));
  const node = createNode(
    NATS_SERVER_BIN,
    await nodePorts("n1", false),
    dir,
    [],
    options.config ?? [],
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await node.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await node.start();
    await waitHealthy([node]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: "nats",
    node,
    deviceUrl: node.mqttUrl,
    serviceUrl: node.mqttUrl,
    serviceUrls: [node.mqttUrl],
    restartDropsService: true,
    restart: async () => {
      await node.kill("SIGTERM");
      await node.start();
      await waitHealthy([node]);
    },
    stop,
    log: () => node.log(),
  };
}

/** A NATS cluster of a test, as a {@link TestBroker}. */
export interface NatsCluster extends TestBroker {
  readonly nodes: readonly NatsNode[];
}

/**
 * Starts `size` (default 3) NATS servers on loopback, routed to each other (`cluster { name,
 * listen, routes }`), each with its own JetStream store and MQTT port, and resolves once every
 * one is healthy. Devices connect to node 1, the service to node 2 (`serviceUrls` lists every
 * node). `restart()` stops every node and starts them again (or, with `restart: "rolling"`,
 * one node at a time).
 */
export async function startNatsCluster(
  options: NatsOptions & {
    size?: number;
    /**
     * What `restart()` does. `all` (default): SIGTERM every node, then start them all again.
     * `rolling`: one node at a time, each healthy before the next; with NATS 2.9 the MQTT
     * streams stall while one of three nodes is down (see tests/interop/README.md).
     */
    restart?: "all" | "rolling";
  } = {},
): Promise<NatsCluster> {
  if (NATS_SERVER_BIN === undefined) throw new Error("nats-server is not installed");
  const bin = NATS_SERVER_BIN;
  const size = options.size ?? 3;
  const root = mkdtempSync(join(tmpdir(), "coreflux-nats-cluster-"));
  const ports: NodePorts[] = [];
  for (let i = 1; i <= size; i++) ports.push(await nodePorts(`n${i}`, true));
  const nodes = ports.map((p) =>
    createNode(
      bin,
      p,
      join(root, p.name),
      ports.filter((o) => o !== p).map((o) => o.clusterPort as number),
      options.config ?? [],
    ),
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await waitHealthy(nodes, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: `nats-cluster-${size}`,
    nodes,
    deviceUrl: nodes[0]!.mqttUrl,
    serviceUrl: nodes[1 % size]!.mqttUrl,
    serviceUrls: nodes.map((n) => n.mqttUrl),
    restartDropsService: true,
    restart: async () => {
      if (options.restart === "rolling") {
        for (const node of nodes) {
          await node.kill("SIGTERM");
          await node.start();
          await waitHealthy(nodes, 60_000);
          await sleep(500);
        }
        return;
      }
      await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
      await Promise.all(nodes.map((n) => n.start()));
      await waitHealthy(nodes, 60_000);
    },
    stop,
    log: () => nodes.map((n) => `--- ${n.name} ---\n${n.log()}`).join(""),
  };
}
