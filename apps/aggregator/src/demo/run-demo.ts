import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
 * `coreflux-aggregator --demo`: an embedded broker on a free port, the Shelly simulator
 * (`@coreflux/shelly-simulator`) publishing a small fleet of every model at 20× real time, and
 * the aggregator publishing every 5 s, with its state in a temporary folder. Runs until Ctrl-C,
 * then prints the simulator's truth beside the aggregator's company total.
 */
export async function runDemo(): Promise<number> {
  const log = createLogger({ level: "info", format: "auto" });
  const broker = await startEmbeddedBroker({ port: 0 });
  const stateDir = mkdtempSync(join(tmpdir(), "coreflux-demo-"));
  const startMs = Date.now();
  const fleet = { ...DEMO_FLEET, startMs };
  // Gen1 devices publish under shellies/<id>: the fleet says where they belong.
  const devices = createFleet(fleet)
    .placements()
    .map((p) => `[[devices]]\nmatch = "${p.match}"\npath = "${p.path}"\n`)
    .join("");
  const config = parseConfig(
    `[company]\ntopic = "Coreflux/#"\n[mqtt]\nurl = "${broker.url}"\n[publish]\ninterval_seconds = 5\n` +
      `[state]\npath = "${join(stateDir, "state.json")}"\n${devices}`,
    "demo",
  );
  if (!config.ok) throw new Error(config.errors.map((e) => e.message).join("; "));
  log.info(
    { broker: broker.url, state: stateDir, speed: DEMO_SPEED },
    "demo: embedded broker, simulated Shelly fleet, aggregator; Ctrl-C to stop",
  );
  const service = await startService(config.config, log);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const result = await runSimulator({
    ...fleet,
    url: broker.url,
    speed: DEMO_SPEED,
    durationS: 7 * 24 * 3600,
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
  await service.stop();
  await broker.close();
  // The demo's state is throwaway: nothing of it should outlive the run.
  rmSync(stateDir, { recursive: true, force: true });
  return 0;
}
