import { join } from "node:path";
import { JsonLogProcess, sleep } from "@coreflux/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { BROKER_URL, CLI, scratchDir, threadNices, uniqueCompany, writeConfig } from "./harness";

// The default (V8's helpers lowered with the state writer's thread) is checked in e2e.test.ts.
describe.runIf(process.platform === "linux")(
  "the service started with --no-concurrent-marking",
  () => {
    const company = uniqueCompany("Marking");
    const dir = scratchDir();
    const configPath = writeConfig(
      dir,
      `[company]
topic = "${company}/#"

[mqtt]
url = "${BROKER_URL}"
client_id = "agg-${company}"

[state]
path = "${join(dir, "state.json")}"

[http]
port = 0

[log]
level = "debug"
format = "json"
`,
    );
    const aggregator = new JsonLogProcess(process.execPath, [
      "--no-concurrent-marking",
      CLI,
      "--config",
      configPath,
    ]);

    afterAll(async () => {
      await aggregator.stop();
    });

    it("leaves V8's helper threads at the event loop's priority and lowers the state writer's", async () => {
      await aggregator.waitForLog((l) => l.msg === "subscribed");
      expect(aggregator.output).toContain(
        "V8's helper threads and libuv's pool run at the event loop's priority",
      );
      // The state writer's thread lowers itself once it runs (it starts with the service).
      let nices = threadNices(aggregator.pid);
      const main = nices.get(aggregator.pid)!;
      const isLowered = (nice: number): boolean => nice === Math.min(19, main + 10);
      for (let i = 0; i < 50 && ![...nices.values()].some(isLowered); i++) {
        await sleep(100);
        nices = threadNices(aggregator.pid);
      }
      // The state writer's thread only.
      expect([...nices.values()].filter(isLowered)).toHaveLength(1);
      // The event loop and V8's four helpers (and libuv's pool).
      expect([...nices.values()].filter((nice) => nice === main).length).toBeGreaterThanOrEqual(5);
    });
  },
);
