import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openHistory, type PeriodRow } from "@coreflux/history";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "coreflux-report-"));
const dbFile = join(dir, "history.db");
const config = join(dir, "config.toml");

function row(path: string, periodStartMs: number, energyMwh: number): PeriodRow {
  return {
    path,
    periodStartMs,
    energyMwh,
    returnedEnergyMwh: path.startsWith("Lisboa") ? 2 * energyMwh : 0,
    energyDeltaMwh: energyMwh,
    returnedEnergyDeltaMwh: path.startsWith("Lisboa") ? 2 * energyMwh : 0,
    additive: false,
    peakPowerW: undefined,
    devices: undefined,
    observedAtMs: undefined,
  };
}

function report(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, "report", "--config", config, ...args], {
    encoding: "utf8",
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

beforeAll(async () => {
  writeFileSync(
    config,
    `[company]\ntopic = "Coreflux/#"\n\n[accounting]\ntime_zone = "Europe/Lisbon"\n\n[history]\nurl = "sqlite:${dbFile}"\n`,
  );
  const store = await openHistory({
    url: `sqlite:${dbFile}`,
    company: "Coreflux",
    periodMinutes: 15,
    timeZone: "Europe/Lisbon",
  });
  // 2026-10-24 to 2026-10-26 local (the 25th has 25 hours): 1.234567 Wh per quarter-hour in the
  // Kitchen's plug, twice that in the Lab's solar inverter; rooms, offices and company add up.
  const rows: PeriodRow[] = [];
  for (let t = Date.UTC(2026, 9, 23, 23); t < Date.UTC(2026, 9, 26, 0); t += 15 * 60_000) {
    rows.push(
      row("Porto/Kitchen/Plug", t, 1234),
      row("Porto/Kitchen", t, 1234),
      row("Porto", t, 1234),
    );
    rows.push(row("Lisboa/Lab/Solar", t, 2468), row("Lisboa/Lab", t, 2468), row("Lisboa", t, 2468));
    rows.push({ ...row("", t, 3702), returnedEnergyMwh: 4936, returnedEnergyDeltaMwh: 4936 });
  }
  await store.write({ seq: 1, rows });
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("coreflux-aggregator report", () => {
  it("JSON: per office and local day, DST-correct, energies in Wh with at most three decimals", () => {
    const r = report(
      "--from",
      "2026-10-24",
      "--to",
      "2026-10-26",
      "--level",
      "office",
      "--by",
      "day",
      "--format",
      "json",
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({
      timeZone: "Europe/Lisbon",
      from: "2026-10-24T00:00:00+01:00",
      to: "2026-10-26T00:00:00+00:00",
      level: "office",
      by: "day",
    });
    expect(doc.rows).toEqual([
      {
        path: "Lisboa",
        periodStart: "2026-10-24T00:00:00+01:00",
        energyWh: 236.928,
        returnedEnergyWh: 473.856,
      },
      {
        path: "Lisboa",
        periodStart: "2026-10-25T00:00:00+01:00",
        energyWh: 246.8,
        returnedEnergyWh: 493.6,
      },
      {
        path: "Porto",
        periodStart: "2026-10-24T00:00:00+01:00",
        energyWh: 118.464,
        returnedEnergyWh: 0,
      },
      {
        path: "Porto",
        periodStart: "2026-10-25T00:00:00+01:00",
        energyWh: 123.4,
        returnedEnergyWh: 0,
      },
    ]);
  });

  it("CSV with a header, filtered by path; months; the company is the empty path", () => {
    const csv = report(
      "--from",
      "2026-10-01",
      "--to",
      "2026-11-01",
      "--by",
      "month",
      "--format",
      "csv",
    );
    expect(csv.code).toBe(0);
    // 49 local hours of October (the 24th and the 25-hour 25th), 4 quarter-hours each.
    expect(csv.out).toBe(
      "path,periodStart,energyWh,returnedEnergyWh\r\n,2026-10-01T00:00:00+01:00,725.592,967.456\r\n",
    );
    const rooms = report(
      "--from",
      "2026-10-25",
      "--to",
      "2026-10-26",
      "--level",
      "device",
      "--path",
      "Porto/**",
      "--format",
      "csv",
    );
    expect(rooms.out.trim().split("\r\n")).toEqual([
      "path,periodStart,energyWh,returnedEnergyWh",
      "Porto/Kitchen/Plug,2026-10-25T00:00:00+01:00,123.4,0",
    ]);
  });

  it("a table for people, with a totals line in kWh", () => {
    const r = report(
      "--from",
      "2026-10-25T01:00",
      "--to",
      "2026-10-25T03:00",
      "--by",
      "hour",
      "--level",
      "company",
    );
    expect(r.code).toBe(0);
    // 01:00 local happens twice on that day: 3 local hours in [01:00+01:00, 03:00+00:00).
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toContain("Energy by hour, company level");
    expect(lines.filter((l) => l.startsWith("(company)"))).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/^Total\s+0\.044\s+0\.059$/);
  });

  it("says so when nothing matches, and exits 2 on bad arguments", () => {
    expect(report("--from", "2026-10-24", "--to", "2026-10-25", "--path", "Faro/**")).toMatchObject(
      {
        code: 0,
        out: expect.stringContaining('No node matches --path "Faro/**"'),
      },
    );
    expect(report("--from", "2025-01-01", "--to", "2025-01-02")).toMatchObject({
      code: 0,
      out: expect.stringContaining("No energy recorded"),
    });
    expect(report("--from", "2026-13-01", "--to", "2026-12-02").code).toBe(2);
    expect(report("--from", "2026-10-02", "--to", "2026-10-01").code).toBe(2);
    expect(report("--from", "2026-10-01", "--to", "2026-10-02", "--by", "week").code).toBe(2);
    expect(report("--from", "2026-10-01").code).toBe(2);
    expect(report("--from", "2026-10-01", "--to", "2026-10-02", "--bogus").code).toBe(2);
  });
});
