import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMqttClient } from "@coreflux/mqtt-adapter";
import { sleep } from "@coreflux/test-support";
import { describe, expect, it } from "vitest";
import { AggregatorProcess, scratchDir, writeConfig } from "./harness";

describe("the embedded broker (no [mqtt] url)", () => {
  it("starts its own broker that devices publish to, after moving a corrupt state file aside", async () => {
    const dir = scratchDir();
    const statePath = join(dir, "state.json");
    writeFileSync(
      statePath,
      '{"format":"coreflux.aggregator.state","version":1,"company":"Acme","savedAtMs":1,"engine":{"format":"nope"}}',
    );
    const config = writeConfig(
      dir,
      `[company]\ntopic = "Acme/#"\n[mqtt.embedded]\nport = 0\n[publish]\ninterval_seconds = 0.2\n[state]\npath = "${statePath}"\n[log]\nformat = "json"\n`,
    );
    const aggregator = new AggregatorProcess(["--config", config]);
    try {
      const started = await aggregator.waitForLog(
        (l) => l.msg === "embedded MQTT broker started: devices can publish to it directly",
      );
      await aggregator.ready();
      // The unusable state was kept, renamed, and reported at error level.
      const report = await aggregator.waitForLog(
        (l) => typeof l.msg === "string" && l.msg.startsWith("STATE FILE UNUSABLE"),
      );
      expect(report.level).toBe(50);
      expect(readdirSync(dir).filter((f) => f.startsWith("state.json.corrupt-"))).toHaveLength(1);

      const device = createMqttClient({
        url: String(started.url),
        subscriptions: [{ filter: "Acme/CompanyEnergyConsumed", qos: 1 }],
      });
      const totals: number[] = [];
      device.onMessage((_topic, payload) => {
        totals.push(JSON.parse(payload.toString()).TotalEnergy);
      });
      await device.connect({ timeoutMs: 5000 });
      const topic = "Acme/HQ/Lobby/Plug/status/switch:0";
      device.publish(topic, '{"id":0,"apower":10.0,"aenergy":{"total":100.000}}', { qos: 1 });
      device.publish(topic, '{"id":0,"apower":10.0,"aenergy":{"total":100.125}}', { qos: 1 });
      await device.flush();
      for (let i = 0; i < 100 && !totals.includes(0.125); i++) await sleep(50);
      expect(totals).toContain(0.125);
      await device.close();
    } finally {
      aggregator.kill("SIGTERM");
      expect((await aggregator.exited).code).toBe(0);
    }
    expect(existsSync(statePath)).toBe(true);
  });

  it("says what to do when the embedded broker's port is taken", async () => {
    const dir = scratchDir();
    // The CI Mosquitto holds 127.0.0.1:1883.
    const config = writeConfig(
      dir,
      `[company]\ntopic = "Acme/#"\n[state]\npath = "${join(dir, "s.json")}"\n[log]\nformat = "json"\n`,
    );
    const aggregator = new AggregatorProcess(["--config", config]);
    expect((await aggregator.exited).code).toBe(1);
    expect(aggregator.output).toContain("127.0.0.1:1883 is already in use");
    expect(aggregator.output).toContain('[mqtt] url = \\"mqtt://127.0.0.1:1883\\"');
  });
});
