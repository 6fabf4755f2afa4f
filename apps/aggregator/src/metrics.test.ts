import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Metrics } from "./metrics";

/** promtool ships with Debian's `prometheus` package; CI installs it (.ci/run). */
const promtool = spawnSync("promtool", ["--version"]).status === 0;

describe("metrics", () => {
  const metrics = new Metrics(() => ({
    devices: { online: 2, stale: 1, offline: 0 },
    meters: 4,
    brokerConnected: true,
    history: undefined,
  }));
  metrics.counts.received = 7;
  metrics.counts.readings.set("reset", 3);

  it("exports the meters' restarts under a name without 'counter'", async () => {
    const text = await metrics.registry.metrics();
    expect(text).toContain("coreflux_meter_resets_total 3");
    expect(text).toContain("coreflux_messages_received_total 7");
    expect(text).not.toMatch(/^coreflux_counter_/m);
    expect(text).not.toMatch(/^coreflux_nodejs_active_handles_total/m);
  });

  it.skipIf(!promtool && !process.env.CI)("every name passes promtool check metrics", async () => {
    const text = await metrics.registry.metrics();
    const checked = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(checked.error).toBeUndefined();
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
    expect(checked.status).toBe(0);
  });
});
