import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, sleep } from "@coreflux/test-support";

/** The NATS server binary: `$NATS_SERVER_BIN`, else Debian's /usr/sbin, else PATH. */
export const NATS_SERVER_BIN =
  process.env.NATS_SERVER_BIN ??
  (existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server");

/** True when a NATS server binary can be found (the poison test needs one). */
export function hasNatsServer(): boolean {
  return process.env.NATS_SERVER_BIN !== undefined || existsSync("/usr/sbin/nats-server");
}

/** A private NATS server with its MQTT gateway, on free ports of 127.0.0.1. */
export interface PrivateNats {
  /** `mqtt://127.0.0.1:<mqtt port>`. */
  readonly url: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `nats-server -c <dir>/nats.conf -js -sd <dir>/js` (the MQTT gateway of NATS 2.9 needs
 * JetStream, and JetStream a `server_name`) and resolves once the MQTT port accepts
 * connections (within 10 s, else it rejects with the server's log).
 */
export async function startNats(): Promise<PrivateNats> {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-nats-"));
  const clientPort = await freePort();
  const mqttPort = await freePort();
  const conf = join(dir, "nats.conf");
  writeFileSync(
    conf,
    [
      "server_name: coreflux-test",
      `listen: 127.0.0.1:${clientPort}`,
      `mqtt { host: 127.0.0.1, port: ${mqttPort} }`,
      "",
    ].join("\n"),
  );
  let output = "";
  const child: ChildProcess = spawn(NATS_SERVER_BIN, ["-c", conf, "-js", "-sd", join(dir, "js")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const record = (chunk: string): void => {
    output += chunk;
  };
  child.stdout?.setEncoding("utf8").on("data", record);
  child.stderr?.setEncoding("utf8").on("data", record);
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (running()) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(mqttPort))) {
    if (spawnError || !running() || Date.now() > deadline) {
      await stop();
      throw new Error(
        `nats-server did not listen on ${mqttPort}: ${spawnError?.message ?? ""}\n${output}`,
      );
    }
    await sleep(20);
  }
  return { url: `mqtt://127.0.0.1:${mqttPort}`, log: () => output, stop };
}
