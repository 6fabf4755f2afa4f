import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, sleep } from "./net";

/** The Mosquitto binary: `$MOSQUITTO_BIN`, else Debian's /usr/sbin (not on every PATH), else PATH. */
export const MOSQUITTO_BIN =
  process.env.MOSQUITTO_BIN ??
  (existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto");

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /**
   * Config lines after the listener line (so TLS files apply to it), given the broker's folder:
   * persistence, `password_file`, `max_queued_messages`, ... A config without an
   * `allow_anonymous` line gets `allow_anonymous true`.
   */
  config?: (dir: string) => string[];
  /** Writes files into the broker's folder before it starts (password file, certificates). */
  prepare?: (dir: string) => void;
  /** The listener speaks TLS (the config sets its files): the URL is `mqtts://`. */
  tls?: boolean;
  /**
   * Keep the broker's log (errors, warnings, notices) for {@link PrivateMosquitto.log}. Default
   * true; a benchmark at 100,000 messages/s turns it off.
   */
  log?: boolean;
}

/** A Mosquitto of one test (or bench), on its own port, with its own config and folder. */
export interface PrivateMosquitto {
  /** `mqtt://127.0.0.1:<port>` (`mqtts://` for a TLS listener). */
  readonly url: string;
  readonly port: number;
  /** Its config, persistence file, and whatever `prepare` wrote. Removed by `stop()`. */
  readonly dir: string;
  /** The running process's pid (-1 between `kill` and `restart`). */
  readonly pid: number;
  /** Sends `signal` and waits for the exit (SIGKILL after 5 s). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same config, port and persistence (after `kill`). */
  restart(): Promise<void>;
  /** SIGTERM, wait, and remove its folder. Idempotent. */
  stop(): Promise<void>;
  /**
   * SIGKILL without waiting and remove its folder: for a `process.on("exit")` handler, where
   * nothing asynchronous runs.
   */
  stopNow(): void;
  /** Its log so far, for failure messages. */
  log(): string;
}

/**
 * Starts `mosquitto -c <dir>/mosquitto.conf` with one listener on a free port of 127.0.0.1, in a
 * fresh temporary folder, and resolves once it accepts connections (within 10 s, else it rejects
 * with the broker's log). Anonymous access is allowed unless the config says otherwise.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-mosquitto-"));
  const port = await freePort();
  options.prepare?.(dir);
  const extra = options.config?.(dir) ?? [];
  const lines = [
    "per_listener_settings false",
    // As root, Mosquitto would switch to the "mosquitto" user and lose access to the folder.
    `user ${userInfo().username}`,
    ...(options.log === false
      ? ["log_dest none"]
      : ["log_dest stderr", "log_type error", "log_type warning", "log_type notice"]),
    `listener ${port} 127.0.0.1`,
    ...extra,
  ];
  if (!extra.some((l) => l.startsWith("allow_anonymous"))) lines.push("allow_anonymous true");
  const confPath = join(dir, "mosquitto.conf");
  writeFileSync(confPath, `${lines.join("\n")}\n`);

  let output = "";
  let child: ChildProcess | undefined;
  let stopped = false;
  const running = (proc: ChildProcess | undefined): proc is ChildProcess =>
    proc !== undefined && proc.exitCode === null && proc.signalCode === null;

  const launch = async (): Promise<void> => {
    const proc = spawn(MOSQUITTO_BIN, ["-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    let spawnError: Error | undefined;
    proc.once("error", (error) => {
      spawnError = error;
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (spawnError) throw new Error(`cannot start ${MOSQUITTO_BIN}: ${spawnError.message}`);
      if (!running(proc)) throw new Error(`mosquitto exited at startup:\n${output}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}:\n${output}`);
      await sleep(10);
    }
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!running(proc)) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (error) {
    if (running(child)) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `${options.tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    dir,
    get pid() {
      return running(child) ? (child.pid ?? -1) : -1;
    },
    kill,
    restart: launch,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
    stopNow: () => {
      if (stopped) return;
      stopped = true;
      if (running(child)) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}
