import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openHistory } from "@coreflux/history";
import { afterAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "coreflux-history-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the aggregator on a history it cannot use; it must stop with exit 1 and say why. */
function start(name: string, historyLines: string): { code: number | null; output: string } {
  const config = join(dir, `${name}.toml`);
  writeFileSync(
    config,
    `[company]\ntopic = "Coreflux/#"\n[mqtt]\nurl = "mqtt://127.0.0.1:1"\n[state]\npath = "${join(dir, `${name}.json`)}"\n[accounting]\ntime_zone = "Europe/Lisbon"\n[log]\nformat = "json"\n[history]\n${historyLines}\n`,
  );
  const run = spawnSync(process.execPath, [cli, "--config", config], {
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: run.status, output: run.stdout + run.stderr };
}

describe("the aggregator's start with [history]", () => {
  it("stops (exit 1) on a database a newer version migrated", async () => {
    const file = join(dir, "newer.db");
    const store = await openHistory({
      url: `sqlite:${file}`,
      company: "Coreflux",
      periodMinutes: 15,
      timeZone: "Europe/Lisbon",
    });
    // As a later version would leave it.
    await (store as unknown as { setMeta(n: string, v: string): Promise<void> }).setMeta(
      "schema_version",
      "7",
    );
    await store.close();
    const r = start("newer", `url = "sqlite:${file}"`);
    expect(r.code).toBe(1);
    expect(r.output).toContain(
      "history schema version 7, newer than this version of Coreflux knows",
    );
    expect(r.output).toContain("SCHEMA_TOO_NEW");
  });

  it("stops (exit 1) on a database made with another period width", async () => {
    const file = join(dir, "other.db");
    await (
      await openHistory({
        url: `sqlite:${file}`,
        company: "Coreflux",
        periodMinutes: 15,
        timeZone: "Europe/Lisbon",
      })
    ).close();
    const r = start("other", `url = "sqlite:${file}"\nperiod_minutes = 5`);
    expect(r.code).toBe(1);
    expect(r.output).toContain("was created with period_minutes");
    expect(r.output).toContain("SETTINGS_MISMATCH");
  });
});
