import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAutomatism } from "@coreflux/automatism";
import { startEmbeddedBroker } from "@coreflux/mqtt-adapter";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { parseConfig } from "../config/load";
import { createLogger } from "../logger";
import { startService } from "../service";

/** The demo fleet: two offices, a mix of every simulated model, a few faults to show off. */
const DEMO_FLEET: FleetOptions = {
  seed: 7,
  company: "Coreflux",
  offices: 2,
  roomsPerOffice: 2,
  devicesPerRoom: 3,
  faults: { zero: 0.002, duplicate: 0.01, malformed: 0.002, reset: 0.05 },
};

/** Simulated seconds per real second: readings arrive every second or two, aggregates move. */
const DEMO_SPEED = 20;

/**
 * The automatism's demo rule: a window from a minute ago to two hours from now (local time), so
 * devices are switched off within seconds; a person switches a quarter of them back on.
 */
function demoAutomatism(nowMs: number, stateDir: string): string {
  const hhmm = (t: number) =>
    new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(t);
  return [
    "[automatism]",
    "enabled = true",
    'client_id = "coreflux-demo-automatism"',
    "confirm_timeout_seconds = 10",
    `state_path = "${join(stateDir, "automatism.json")}"`,
    "[[automatism.rules]]",
    'name = "demo-now"',
    'except = ["*/*/Fridge*"]',
    `windows = ["${hhmm(nowMs - 60_000)}-${hhmm(nowMs + 2 * 3_600_000)}"]`,
    "",
  ].join("\n");
}

/**
 * `coreflux-aggregator --demo`: an embedded broker on a free port, the Shelly simulator
 * (`@coreflux/shelly-simulator`) publishing a small fleet of every model at 20× real time and
 * answering commands, the aggregator publishing every 5 s, and the automatism
 * (`@coreflux/automatism`) switching devices off in a window around now, with their state in a
 * temporary folder. Runs until Ctrl-C,
 * then prints the simulator's truth beside the aggregator's company total.
 */
export async function runDemo(): Promise<number> {
  const log = createLogger({ level: "info", format: "auto" });
  const broker = await startEmbeddedBroker({ port: 0 });
  const stateDir = mkdtempSync(join(tmpdir(), "coreflux-demo-"));
  const startMs = Date.now();
  // The devices answer commands; now and then a person switches a channel back on.
  const fleet: FleetOptions = {
    ...DEMO_FLEET,
    startMs,
    person: { probability: 0.25, afterS: [300, 900] },
  };
  // Gen1 devices publish under shellies/<id>: the fleet says where they belong.
  const devices = createFleet(fleet)
    .placements()
    .map((p) => `[[devices]]\nmatch = "${p.match}"\npath = "${p.path}"\n`)
    .join("");
  const config = parseConfig(
    `[company]\ntopic = "Coreflux/#"\n[mqtt]\nurl = "${broker.url}"\n[publish]\ninterval_seconds = 5\n` +
      `[state]\npath = "${join(stateDir, "state.json")}"\n[http]\nport = 0\n` +
      `[history]\nurl = "sqlite:${join(stateDir, "history.db")}"\nperiod_minutes = 1\n` +
      `${demoAutomatism(startMs, stateDir)}${devices}`,
    "demo",
  );
  if (!config.ok) throw new Error(config.errors.map((e) => e.message).join("; "));
  log.info(
    { broker: broker.url, state: stateDir, speed: DEMO_SPEED },
    "demo: embedded broker, simulated Shelly fleet, aggregator; Ctrl-C to stop",
  );
  const service = await startService(config.config, log);
  if (service.httpUrl !== undefined) {
    // The first thing a new user needs: where to look.
    process.stdout.write(`\n  Coreflux energy, live: ${service.httpUrl}/\n\n`);
    log.info({ url: `${service.httpUrl}/` }, "demo: the web view");
  }
  const automatism = await startAutomatism(
    config.config,
    log.child({ service: "coreflux-automatism" }),
  );
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const result = await runSimulator({
    ...fleet,
    url: broker.url,
    speed: DEMO_SPEED,
    durationS: 7 * 24 * 3600,
    commands: true,
    signal: stop.signal,
  });
  // The simulator settled every counter; give the aggregator one cycle to publish them.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  const root = service.engine.findNode(["Coreflux"]);
  const aggregatedMwh = root === undefined ? 0 : service.engine.view(root, Date.now()).energyMwh;
  log.info(
    {
      truthWh: result.truth.energyMwh / 1000,
      aggregatedWh: aggregatedMwh / 1000,
      messages: result.messages,
    },
    aggregatedMwh === result.truth.energyMwh
      ? "demo: the aggregator's company total equals the simulator's truth"
      : "demo: the aggregator's company total differs from the simulator's truth",
  );
  await automatism.stop();
  await service.stop();
  await broker.close();
  // The demo's state is throwaway: nothing of it should outlive the run.
  rmSync(stateDir, { recursive: true, force: true });
  return 0;
}
