import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMqttClient, startEmbeddedBroker } from "@coreflux/mqtt-adapter";
import { parseConfig } from "../config/load";
import { createLogger } from "../logger";
import { startService } from "../service";
import { DEMO_PLACEMENTS, demoFleet, runFleet } from "./fleet";

/**
 * `coreflux-aggregator --demo`: an embedded broker on a free port, a simulated fleet publishing
 * every 2 s, and the aggregator publishing every 5 s, with its state in a temporary folder.
 * Runs until Ctrl-C. Needs no broker, no hardware and no config file.
 */
export async function runDemo(): Promise<number> {
  const log = createLogger({ level: "info", format: "auto" });
  const broker = await startEmbeddedBroker({ port: 0 });
  const stateDir = mkdtempSync(join(tmpdir(), "coreflux-demo-"));
  const devices = DEMO_PLACEMENTS.map(
    (d) => `[[devices]]\nmatch = "${d.match}"\npath = "${d.path}"\n`,
  ).join("");
  const config = parseConfig(
    `[company]\ntopic = "Coreflux/#"\n[mqtt]\nurl = "${broker.url}"\n[publish]\ninterval_seconds = 5\n[state]\npath = "${join(stateDir, "state.json")}"\n${devices}`,
    "demo",
  );
  if (!config.ok) throw new Error(config.errors.map((e) => e.message).join("; "));
  log.info(
    { broker: broker.url, state: stateDir },
    "demo: embedded broker and a simulated Shelly fleet; Ctrl-C to stop",
  );
  const service = await startService(config.config, log);
  const fleetClient = createMqttClient({ url: broker.url, clientId: "coreflux-demo-fleet" });
  await fleetClient.connect();
  const stopFleet = runFleet(fleetClient, demoFleet("Coreflux"), 2000);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  stopFleet();
  await fleetClient.close();
  await service.stop();
  await broker.close();
  return 0;
}
