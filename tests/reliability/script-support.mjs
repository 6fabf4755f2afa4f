// What the long-running scripts (soak.mjs, device-memory.mjs) share: a scratch folder cleaned up
// at exit, a private Mosquitto on a free port, the built aggregator as a child process with its
// log and HTTP endpoints, and its memory. Plain JavaScript, so that `node <script>` runs them
// against the built packages without a TypeScript loader.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startMosquitto as startPrivateMosquitto } from "@coreflux/test-support";

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve("@coreflux/aggregator/package.json")), "dist/cli.js");

/** "AMD EPYC, 2 vCPUs, 24 GiB, Node v20.20.2": where a figure was measured. */
export const MACHINE = `${cpus()[0]?.model ?? "?"}, ${cpus().length} vCPUs, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`;

/** Bytes as MiB with one decimal. */
export const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

/**
 * A temporary folder for one run; it, every child process registered with `own` and every
 * cleanup registered with `atExit` (synchronous) are removed / killed / run when the script
 * exits (Ctrl-C included).
 */
export function scratchRun(label) {
  const dir = mkdtempSync(join(tmpdir(), `coreflux-${label}-`));
  const cleanups = [];
  process.on("exit", () => {
    for (const cleanup of cleanups) cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  process.on("SIGINT", () => process.exit(130));
  return {
    dir,
    own: (child) =>
      cleanups.push(() => {
        if (child.exitCode === null) child.kill("SIGKILL");
      }),
    atExit: (cleanup) => cleanups.push(cleanup),
  };
}

/**
 * A private Mosquitto on a free port of 127.0.0.1 (anonymous, no log) with `extraLines` added to
 * its config, stopped when the script exits; resolves with its URL once it accepts connections.
 */
export async function startMosquitto(run, extraLines = []) {
  const broker = await startPrivateMosquitto({ config: () => extraLines, log: false });
  run.atExit(() => broker.stopNow());
  return broker.url;
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
