// What the long-running scripts (soak.mjs, device-memory.mjs) share: a scratch folder cleaned up
// at exit, a private Mosquitto on a free port, the built aggregator as a child process with its
// log and HTTP endpoints, and its memory. Plain JavaScript, so that `node <script>` runs them
// against the built packages without a TypeScript loader.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, connect as tcpConnect } from "node:net";
import { cpus, tmpdir, totalmem, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve("@coreflux/aggregator/package.json")), "dist/cli.js");
const MOSQUITTO =
  process.env.MOSQUITTO_BIN ??
  (existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto");

/** "AMD EPYC, 2 vCPUs, 24 GiB, Node v20.20.2": where a figure was measured. */
export const MACHINE = `${cpus()[0]?.model ?? "?"}, ${cpus().length} vCPUs, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`;

/** Bytes as MiB with one decimal. */
export const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

/**
 * A temporary folder for one run; it and every child process registered with `own` are
 * removed / killed when the script exits (Ctrl-C included).
 */
export function scratchRun(label) {
  const dir = mkdtempSync(join(tmpdir(), `coreflux-${label}-`));
  const children = [];
  process.on("exit", () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  process.on("SIGINT", () => process.exit(130));
  return { dir, own: (child) => children.push(child) };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port) {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise((resolve) => {
      const socket = tcpConnect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * Mosquitto on a free port of 127.0.0.1, anonymous, no log, with `extraLines` added to its
 * config; resolves with its URL once it accepts connections.
 */
export async function startMosquitto(run, extraLines = []) {
  const port = await freePort();
  const conf = join(run.dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      // As root, Mosquitto would switch to the "mosquitto" user and lose the scratch folder.
      `user ${userInfo().username}`,
      "log_dest none",
      ...extraLines,
    ].join("\n"),
  );
  run.own(spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" }));
  await listening(port);
  return `mqtt://127.0.0.1:${port}`;
}

/**
 * The built aggregator with `tomlLines` as its config (which must set `[http] port` and JSON
 * logs), `nodeArgs` before the CLI; resolves once it has subscribed and its HTTP listener is up.
 * Each JSON log line goes to `onLine(entry, rawLine)`.
 */
export async function startAggregator(run, tomlLines, { nodeArgs = [], onLine = () => {} } = {}) {
  const config = join(run.dir, "config.toml");
  writeFileSync(config, `${tomlLines.join("\n")}\n`);
  const child = spawn(process.execPath, [...nodeArgs, CLI, "--config", config], {
    cwd: run.dir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  run.own(child);
  const aggregator = { child, pid: child.pid, httpUrl: undefined, logLines: 0 };
  let subscribed = false;
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      aggregator.logLines++;
      try {
        const entry = JSON.parse(line);
        if (entry.msg === "HTTP listener: /healthz and /metrics") aggregator.httpUrl = entry.url;
        if (entry.msg === "subscribed") subscribed = true;
        onLine(entry, line);
      } catch {}
      newline = buffered.indexOf("\n");
    }
  });
  while (!subscribed || aggregator.httpUrl === undefined) {
    if (child.exitCode !== null) throw new Error("the aggregator exited at startup");
    await sleep(20);
  }
  return aggregator;
}

/** The aggregator's /metrics as a map from sample (name with labels) to value. */
export async function metricsOf(aggregator) {
  // A fresh connection each time: a kept-alive one may have been closed meanwhile (a heap
  // snapshot can block the process for seconds).
  const response = await fetch(`${aggregator.httpUrl}/metrics`, {
    headers: { connection: "close" },
  });
  const out = new Map();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Device messages received: all received minus the aggregator's own aggregates coming back. */
export const deviceMessages = (metrics) =>
  metrics.get("coreflux_messages_received_total") -
  (metrics.get('coreflux_messages_ignored_total{reason="own-output"}') ?? 0);

/** The aggregator's resident set size, bytes, from /proc. */
export const rssBytesOf = (aggregator) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${aggregator.pid}/status`, "utf8"))[1]) *
  1024;

/** SIGTERM and wait for the exit. */
export async function stopAggregator(aggregator) {
  if (aggregator.child.exitCode !== null) return;
  const exited = new Promise((resolve) => aggregator.child.once("exit", resolve));
  aggregator.child.kill("SIGTERM");
  await exited;
}
