import { describe, expect, it } from "vitest";
import { AggregatorProcess } from "./harness";

describe("coreflux-aggregator --demo (the README's main command)", () => {
  it("runs an embedded broker, the simulated fleet, the aggregator (whose total equals the truth) and the automatism (which switches devices off)", async () => {
    const demo = new AggregatorProcess(["--demo"]);
    await demo.waitForLog((l) => l.msg === "publish cycle" && Number(l.applied) > 0, 20_000);
    const confirmed = await demo.waitForLog(
      (l) => l.service === "coreflux-automatism" && String(l.msg).startsWith("confirmed:"),
      20_000,
    );
    expect(confirmed.event).toBe("confirmed");
    demo.kill("SIGINT");
    const verdict = await demo.waitForLog(
      (l) => typeof l.msg === "string" && l.msg.startsWith("demo: the aggregator's company total"),
      20_000,
    );
    expect(verdict.msg).toBe("demo: the aggregator's company total equals the simulator's truth");
    expect(verdict.aggregatedWh).toBe(verdict.truthWh);
    expect(Number(verdict.truthWh)).toBeGreaterThan(0);
    expect((await demo.exited).code).toBe(0);
  }, 60_000);
});
