import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, sleep } from "./net";

/** Debian puts it in /usr/sbin, which is not on every user's PATH. */
const MOSQUITTO_BIN =
  process.env.MOSQUITTO_BIN ??
  (existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto");

/** A Mosquitto of the test's own, on a free port, with its own temp dir. */
export interface PrivateMosquitto {
  readonly port: number;
  readonly url: string;
  /** Temp dir for its config, persistence file and whatever the test writes (certificates...). */
  readonly dir: string;
  /** Kills the process with `signal` and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same config and port (after `kill`). */
  restart(): Promise<void>;
  /** Stops it (SIGTERM) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** What it logged so far, for failure messages. */
  log(): string;
}

/**
 * Starts `mosquitto -c <tmp>/mosquitto.conf` with a listener on a free port of 127.0.0.1.
 * `config` gets the port and the temp dir and returns the remaining lines; a config that says
 * nothing about anonymous access gets `allow_anonymous true`. `prepare` may write files (a
 * password file, certificates) into the dir before the broker starts.
 */
export async function startMosquitto(
  config: (dir: string) => string[] = () => [],
  prepare: (dir: string) => void = () => {},
): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-mosquitto-"));
  const port = await freePort();
  prepare(dir);
  const extra = config(dir);
  const lines = [
    `listener ${port} 127.0.0.1`,
    // Running as root, Mosquitto would otherwise switch to the "mosquitto" user and lose
    // access to the temp dir; as any other user this line changes nothing.
    `user ${userInfo().username}`,
    "log_dest stderr",
    "log_type error",
    "log_type warning",
    "log_type notice",
    ...extra,
  ];
  if (!extra.some((line) => line.startsWith("allow_anonymous"))) lines.push("allow_anonymous true");
  const confPath = join(dir, "mosquitto.conf");
  writeFileSync(confPath, `${lines.join("\n")}\n`);

  let output = "";
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const proc = spawn(MOSQUITTO_BIN, ["-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    proc.stderr?.setEncoding("utf8");
    proc.stderr?.on("data", (chunk: string) => {
      output += chunk;
    });
    let exited = false;
    proc.once("exit", () => {
      exited = true;
    });
    const deadline = Date.now() + 5000;
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
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
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
