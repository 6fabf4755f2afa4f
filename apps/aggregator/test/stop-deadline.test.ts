import { join } from "node:path";
import { type PrivateMosquitto, startMosquitto } from "@coreflux/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { AggregatorProcess, scratchDir, writeConfig } from "./harness";

let broker: PrivateMosquitto | undefined;
afterAll(async () => {
  if (broker !== undefined && broker.pid > 0) process.kill(broker.pid, "SIGCONT");
  await broker?.stop();
});

describe("graceful stop with a broker that no longer answers", () => {
  it("exits 0 once the final state is written, even when closing the connection outlasts the deadline", async () => {
    broker = await startMosquitto();
    const dir = scratchDir();
    const config = writeConfig(
      dir,
      `[company]\ntopic = "Slow/#"\n[mqtt]\nurl = "${broker.url}"\n[publish]\ninterval_seconds = 0.2\n[state]\npath = "${join(dir, "state.json")}"\n[log]\nformat = "json"\n`,
    );
    const aggregator = new AggregatorProcess(["--config", config]);
    await aggregator.ready();
    // The broker freezes (as a stalled or overloaded one does): TCP stays open, nothing answers.
    process.kill(broker.pid, "SIGSTOP");
    const exit = await aggregator.stop(20_000);
    process.kill(broker.pid, "SIGCONT");
    expect(exit.code).toBe(0);
    expect(aggregator.linesWith("final state written")).toHaveLength(1);
    // It did outlast the deadline: the broker never answered the close.
    expect(
      aggregator.linesWith(/^graceful stop took too long closing the connections/),
    ).toHaveLength(1);
  }, 40_000);
});
