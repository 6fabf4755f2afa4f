import { type ChildProcess, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, sleep } from "./net";
import { MOSQUITTO_BIN, scratchDir } from "./paths";

/** A Mosquitto of the test's own, on a free port, with its own temp dir. */
export interface PrivateMosquitto {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` (`mqtts://` for a TLS listener). */
  readonly url: string;
  /** Its config, persistence file, and whatever `prepare` wrote (certificates, passwords). */
  readonly dir: string;
  readonly pid: number;
  /** Sends `signal` and waits for the exit (SIGKILL after 5 s). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same config, port and persistence (after `kill`). */
  restart(): Promise<void>;
  /** SIGTERM and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Its stderr so far, for failure messages. */
  log(): string;
}

export interface MosquittoOptions {
  /** Extra config lines, given the temp dir; they follow the listener line (TLS files apply to it). */
  config?: (dir: string) => string[];
  /** Writes files into the temp dir before the start (password file, certificates). */
  prepare?: (dir: string) => void;
  /** The listener speaks TLS (the config sets its files): the URL is `mqtts://`. */
  tls?: boolean;
}

/**
 * Starts `mosquitto -c <tmp>/mosquitto.conf` with one listener on a free port of 127.0.0.1 and
 * waits until it accepts connections. Anonymous access is allowed unless the config says
 * otherwise.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<PrivateMosquitto> {
  const dir = scratchDir("mosquitto");
  const port = await freePort();
  options.prepare?.(dir);
  const extra = options.config?.(dir) ?? [];
  const lines = [
    "per_listener_settings false",
    // As root, Mosquitto would switch to the "mosquitto" user and lose access to the temp dir.
    `user ${userInfo().username}`,
    "log_dest stderr",
    "log_type error",
    "log_type warning",
    "log_type notice",
    `listener ${port} 127.0.0.1`,
    ...extra,
  ];
  if (!extra.some((l) => l.startsWith("allow_anonymous"))) lines.push("allow_anonymous true");
  const confPath = join(dir, "mosquitto.conf");
  writeFileSync(confPath, `${lines.join("\n")}\n`);

  let output = "";
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const proc = spawn(MOSQUITTO_BIN, ["-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    let exited = false;
    proc.once("exit", () => {
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (exited) throw new Error(`mosquitto exited at startup:\n${output}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}:\n${output}`);
      await sleep(10);
    }
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    port,
    url: `${options.tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    kill,
    restart: launch,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}
