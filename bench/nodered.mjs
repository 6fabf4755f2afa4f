// Node-RED as the "what people use instead" subscriber of the end-to-end benchmark: installs the
// pinned `node-red` from npm into a cache folder outside the repository, and runs it headless with
// the flow in bench/nodered/flows.json (mqtt in → switch → json → function summing per room).
// `pnpm bench --only nodered` uses it through `bench/e2e.mjs --nodered <red.js>`.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitUntil } from "@coreflux/test-support";
import { createMqttClient } from "../packages/mqtt-adapter/dist/index.js";

/** The Node-RED release measured (the one in /work/shared/measurements.md's comparison). */
export const NODE_RED_VERSION = "4.1.15";
const flowFile = fileURLToPath(new URL("nodered/flows.json", import.meta.url));

/**
 * Installs node-red@NODE_RED_VERSION with npm into `$COREFLUX_BENCH_CACHE` (default
 * ~/.cache/coreflux-bench) unless it is there already. Never throws: returns `{ redJs, version }`
 * or `{ skipped }` with the reason.
 */
export function installNodeRed(log) {
  const cache = process.env.COREFLUX_BENCH_CACHE ?? join(homedir(), ".cache", "coreflux-bench");
  const prefix = join(cache, `node-red-${NODE_RED_VERSION}`);
  const redJs = join(prefix, "node_modules", "node-red", "red.js");
  const installed = () => {
    try {
      const pkg = join(prefix, "node_modules", "node-red", "package.json");
      return (
        existsSync(redJs) && JSON.parse(readFileSync(pkg, "utf8")).version === NODE_RED_VERSION
      );
    } catch {
      return false;
    }
  };
  if (!installed()) {
    log(`installing node-red@${NODE_RED_VERSION} into ${prefix} (npm)`);
    try {
      mkdirSync(prefix, { recursive: true });
      execFileSync(
        "npm",
        [
          "install",
          "--prefix",
          prefix,
          "--no-audit",
          "--no-fund",
          "--no-package-lock",
          "--loglevel=error",
          `node-red@${NODE_RED_VERSION}`,
        ],
        { cwd: prefix, stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60_000, encoding: "utf8" },
      );
    } catch (error) {
      const detail = `${error.stderr ?? ""}`.trim().split("\n").slice(-3).join(" / ");
      return {
        skipped: `npm install node-red@${NODE_RED_VERSION} failed (${detail || error.message})`,
      };
    }
    if (!installed())
      return { skipped: `npm installed node-red@${NODE_RED_VERSION} but ${redJs} is missing` };
  }
  return { redJs, version: NODE_RED_VERSION };
}

/**
 * Starts Node-RED headless (no editor, no HTTP listener) in `dir` with the committed flow,
 * connected to the broker on `url`, and waits until its flow answers over MQTT. `placements` is
 * the fleet's Gen1 table (`[{ match: "shellies/<id>", path: "Office/Room/Device" }]`), given to
 * the flow as a global, the way a user would keep that table. Returns the child process and
 * `ask("count" | "totals")`, which resolves to the function node's reply.
 */
export async function startNodeRed({ redJs, url, dir, placements, log }) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(flowFile, join(dir, "flows.json"));
  const settings = {
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: "info", metrics: false, audit: false } },
    functionGlobalContext: {
      placements: Object.fromEntries(placements.map((p) => [p.match, p.path])),
    },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
  };
  writeFileSync(join(dir, "settings.js"), `module.exports = ${JSON.stringify(settings)};\n`);
  const port = new URL(url).port;
  const child = spawn(process.execPath, [redJs, "--userDir", dir, "--settings", "settings.js"], {
    cwd: dir,
    env: { ...process.env, BENCH_MQTT_PORT: port, NODE_RED_ENABLE_TOURS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  await waitUntil(
    () => child.exitCode !== null || output.includes("Connected to broker"),
    "Node-RED's MQTT connection",
    60_000,
    { describe: () => output.slice(-1500) },
  );
  if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${output.slice(-1500)}`);

  // The bench's own client: asks the flow (nodered-bench/ask) and reads its replies.
  const client = createMqttClient({
    url,
    clientId: "bench-nodered-reader",
    subscriptions: [{ filter: "nodered-bench/reply", qos: 1 }],
  });
  let waiting;
  client.onMessage((_topic, payload) => {
    waiting?.(JSON.parse(payload.toString("utf8")));
    waiting = undefined;
  });
  await client.connect({ timeoutMs: 10_000 });
  const ask = (what, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Node-RED did not answer "${what}" in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      client.publish("nodered-bench/ask", what, { qos: 1 });
    });
  // Subscribed and flowing once the function node answers.
  await waitUntil(
    async () =>
      ask("count", 1000).then(
        () => true,
        () => false,
      ),
    "Node-RED's flow to answer",
    30_000,
    { describe: () => output.slice(-1500) },
  );
  const version = /Node-RED version: (v\S+)/.exec(output)?.[1];
  log(`Node-RED ${version ?? ""} pid ${child.pid}, headless, flow bench/nodered/flows.json`);
  return {
    child,
    ask,
    log: () => output,
    close: () => client.close(),
  };
}
