import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, type TestBroker } from "./broker";
import { canConnect, freePort, sleep, waitUntil } from "./net";

/** Debian's `rabbitmq-server` (3.10 here), or `$RABBITMQ_SERVER_BIN`. */
export const RABBITMQ_SERVER_BIN = findBinary("rabbitmq-server", "RABBITMQ_SERVER_BIN");

/** A private RabbitMQ node with the MQTT plugin, as a {@link TestBroker}. */
export interface PrivateRabbitMq extends TestBroker {
  /** The Erlang node name (`coreflux-<hex>@localhost`). */
  readonly nodeName: string;
}

/** The uid and gid of the `rabbitmq` user when this process is root (the script switches to it). */
function rabbitmqOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "rabbitmq"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "rabbitmq"], { encoding: "utf8" }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a RabbitMQ node of its own (own node name, AMQP, distribution and MQTT ports, data,
 * log and cookie in a temporary folder; the machine's epmd is shared, which is harmless) with
 * `rabbitmq_mqtt` on 127.0.0.1, anonymous MQTT logins mapped to `guest`. About 10 s to start.
 * `restart()` stops the node (SIGTERM to the Erlang VM, which shuts down cleanly) and starts it
 * again on the same ports and data. Never touches the machine's own RabbitMQ.
 */
export async function startRabbitMq(): Promise<PrivateRabbitMq> {
  if (RABBITMQ_SERVER_BIN === undefined) throw new Error("rabbitmq-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "coreflux-rabbitmq-"));
  const [amqpPort, distPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `coreflux-${randomBytes(4).toString("hex")}@localhost`;
  for (const sub of ["mnesia", "log"]) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, "rabbitmq.conf"),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
      "mqtt.allow_anonymous = true",
      "mqtt.default_user = guest",
      "mqtt.default_pass = guest",
      "loopback_users = none",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "enabled_plugins"), "[rabbitmq_mqtt].\n");
  writeFileSync(join(dir, ".erlang.cookie"), randomBytes(16).toString("hex"), { mode: 0o600 });
  const owner = rabbitmqOwner();
  const chownAll = (path: string) => {
    if (owner === undefined) return;
    chownSync(path, owner.uid, owner.gid);
    for (const entry of ["mnesia", "log", "rabbitmq.conf", "enabled_plugins", ".erlang.cookie"]) {
      chownSync(join(path, entry), owner.uid, owner.gid);
    }
  };
  chownAll(dir);
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    RABBITMQ_PID_FILE: join(dir, "rabbitmq.pid"),
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, "feature_flags"),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, "plugins-expand"),
  };
  let output = "";
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(RABBITMQ_SERVER_BIN, [], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    await waitUntil(() => canConnect(mqttPort), `RabbitMQ ${nodeName} MQTT port`, 90_000, {
      everyMs: 200,
      describe: () => output.slice(-3000),
    });
  };
  /** The Erlang VM's pid (the script runs it through a wrapper, possibly as another user). */
  const vmPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(join(dir, "rabbitmq.pid"), "utf8").trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const halt = async () => {
    const pid = vmPid();
    if (pid !== undefined) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // Gone already.
      }
    }
    child?.kill("SIGTERM");
    await waitUntil(async () => !(await canConnect(mqttPort)), "RabbitMQ to stop", 60_000, {
      everyMs: 200,
    });
    // The VM may still be writing its data after the listener closed.
    for (let i = 0; i < 100 && pid !== undefined; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await sleep(100);
    }
  };
  await start();
  const url = `mqtt://127.0.0.1:${mqttPort}`;
  let stopped = false;
  return {
    name: "rabbitmq",
    nodeName,
    deviceUrl: url,
    serviceUrl: url,
    serviceUrls: [url],
    restartDropsService: true,
    restart: async () => {
      await halt();
      await start();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => {
      let file = "";
      try {
        file = readFileSync(join(dir, "log", `${nodeName}.log`), "utf8");
      } catch {
        // Not written yet.
      }
      return `${output}\n${file}`;
    },
  };
}
