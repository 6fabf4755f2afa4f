import { afterEach, describe, expect, it } from "vitest";
import { openHistory, SCHEMA_VERSION } from "../src";
import { migrations } from "../src/schema";
import { ENGINES, type Scratch } from "./engines";

const settings = { company: "Coreflux", periodMinutes: 15 as const, timeZone: "Europe/Lisbon" };

describe("migrations are never destructive", () => {
  it.each(["sqlite", "mariadb"] as const)(
    "%s: no statement drops, deletes or alters away",
    (dialect) => {
      for (const statement of migrations(dialect, 15).flat()) {
        expect(statement).not.toMatch(/\b(DROP|DELETE|TRUNCATE|RENAME)\b/i);
        expect(statement).toMatch(
          /^(CREATE TABLE IF NOT EXISTS|CREATE INDEX IF NOT EXISTS|CREATE VIEW IF NOT EXISTS|CREATE OR REPLACE VIEW)\b/,
        );
      }
    },
  );
});

describe.each(ENGINES)("migrations on $engine", ({ scratch }) => {
  let db: Scratch | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it("from an empty database to the current version", async () => {
    db = await scratch();
    const store = await openHistory({ url: db.url, ...settings });
    expect(await store.lastBatchSeq()).toBe(0);
    const meta = await (store as unknown as { meta(): Promise<Record<string, string>> }).meta();
    expect(meta).toMatchObject({
      schema_version: String(SCHEMA_VERSION),
      company: "Coreflux",
      period_minutes: "15",
      time_zone: "Europe/Lisbon",
    });
    await store.close();
  });

  it("from a migration interrupted halfway (tables there, version not recorded), keeping the rows", async () => {
    db = await scratch();
    const first = await openHistory({ url: db.url, ...settings });
    const t = Date.UTC(2026, 10, 3, 9);
    await first.write({
      seq: 1,
      rows: [
        {
          path: "Porto",
          periodStartMs: t,
          energyMwh: 4242,
          returnedEnergyMwh: 0,
          energyDeltaMwh: 4242,
          returnedEnergyDeltaMwh: 0,
          additive: false,
          peakPowerW: undefined,
          devices: undefined,
          observedAtMs: undefined,
        },
      ],
    });
    // As if the process had died before recording the version: the next start runs the whole
    // migration again over what exists.
    await (first as unknown as { setMeta(n: string, v: string): Promise<void> }).setMeta(
      "schema_version",
      "0",
    );
    await first.close();
    const again = await openHistory({ url: db.url, ...settings });
    expect(await again.lastBatchSeq()).toBe(1);
    expect(await again.report({ fromMs: t, toMs: t + 3_600_000, by: "hour" })).toMatchObject([
      { path: "Porto", energyMwh: 4242 },
    ]);
    await again.close();
  });

  it("reopening a current database changes nothing", async () => {
    db = await scratch();
    for (let i = 0; i < 3; i++) await (await openHistory({ url: db.url, ...settings })).close();
    const store = await openHistory({
      url: db.url,
      ...settings,
      readOnly: db.url.startsWith("sqlite:"),
    });
    expect(await store.nodes()).toEqual([]);
    await store.close();
  });

  it("read-only opening refuses a database that holds no history", async () => {
    db = await scratch();
    if (!db.url.startsWith("sqlite:")) {
      await expect(openHistory({ url: db.url, ...settings, readOnly: true })).rejects.toMatchObject(
        {
          code: "SETTINGS_MISMATCH",
        },
      );
      return;
    }
    // SQLite: the file does not even exist yet.
    await expect(openHistory({ url: db.url, ...settings, readOnly: true })).rejects.toMatchObject({
      code: "CONNECT_FAILED",
    });
  });
});
