import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { formatProblem, parseConfig } from "../src/config/load";
import { officePayloadSchema } from "../src/output/payload-schema";
import { parseWhToMwh, whNumberToMwh } from "../src/rollup/decimal-mwh";
import { periodKeys } from "../src/rollup/local-periods";
import {
  RollupEngine,
  type RollupEngineOptions,
  rollupCompanyPayloadSchema,
  rollupSnapshotSchema,
} from "../src/rollup/rollup-engine";
import {
  ROLLUP_STATE_FORMAT,
  ROLLUP_STATE_VERSION,
  type RollupStateDocument,
  readRollupState,
  writeRollupState,
} from "../src/rollup/rollup-state";
import { emptySums, type NodeSums, sumNodes } from "../src/rollup/rollup-sums";
import { parseSourcePayload, type SourceReading } from "../src/rollup/source-payload";

describe("parseWhToMwh: decimal Wh to integer mWh without float arithmetic", () => {
  it.each([
    ["1234.567", 1_234_567],
    ["0", 0],
    ["0.001", 1],
    ["12", 12_000],
    ["1.2300", 1_230],
    ["1e3", 1_000_000],
    ["1.5E-2", 15],
    [".5", 500],
    ["-0.25", -250],
    ["999999999999.999", 999_999_999_999_999],
  ])("%s Wh is %i mWh", (text, mwh) => {
    expect(parseWhToMwh(text)).toEqual({ ok: true, mwh });
  });

  it.each([
    ["0.0005", "too-many-decimals"],
    ["1234.5671", "too-many-decimals"],
    ["1.5e-4", "too-many-decimals"],
    ["Infinity", "non-finite"],
    ["-Infinity", "non-finite"],
    ["NaN", "non-finite"],
    ["12abc", "not-a-number"],
    ["", "not-a-number"],
    ["1e13", "out-of-range"],
  ])("refuses %s (%s)", (text, error) => {
    expect(parseWhToMwh(text)).toEqual({ ok: false, error });
  });

  it("is exact where multiply-then-floor is not (1.005 Wh, 4.35 Wh, 1234.567 Wh)", () => {
    expect(Math.floor(1.005 * 1000)).toBe(1004); // the trap
    expect(whNumberToMwh(1.005)).toEqual({ ok: true, mwh: 1005 });
    expect(whNumberToMwh(4.35)).toEqual({ ok: true, mwh: 4350 });
    expect(whNumberToMwh(JSON.parse("1234.567"))).toEqual({ ok: true, mwh: 1_234_567 });
    expect(whNumberToMwh(Number.NaN)).toEqual({ ok: false, error: "non-finite" });
    expect(whNumberToMwh(Number.POSITIVE_INFINITY)).toEqual({ ok: false, error: "non-finite" });
  });

  it("round-trips every integer mWh up to 10^15 through the published Wh number", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e15 }), (mwh) => {
        const wire = JSON.parse(JSON.stringify({ v: mwh / 1000 })).v as number;
        expect(whNumberToMwh(wire)).toEqual({ ok: true, mwh });
      }),
      { numRuns: 2000 },
    );
  });
});

describe("periodKeys: local hour, day and month with Intl", () => {
  it("starts a Kolkata hour at hh:30 UTC (a half-hour zone)", () => {
    const tz = "Asia/Kolkata";
    const a = periodKeys(Date.UTC(2026, 11, 5, 10, 0), tz);
    const b = periodKeys(Date.UTC(2026, 11, 5, 10, 29, 59), tz);
    const c = periodKeys(Date.UTC(2026, 11, 5, 10, 30), tz);
    expect(a.hour).toBe(b.hour);
    expect(c.hour).not.toBe(b.hour);
    expect(c.day).toBe("2026-12-05");
    // 18:30 UTC is midnight in Kolkata: a new day.
    expect(periodKeys(Date.UTC(2026, 11, 5, 18, 30), tz).day).toBe("2026-12-06");
    expect(periodKeys(Date.UTC(2026, 11, 31, 18, 30), tz).month).toBe("2027-01");
  });

  it("tells the two 01:00 hours of a DST fall-back apart (Europe/Lisbon, 2026-10-25)", () => {
    const first = periodKeys(Date.UTC(2026, 9, 25, 0, 30), "Europe/Lisbon");
    const second = periodKeys(Date.UTC(2026, 9, 25, 1, 30), "Europe/Lisbon");
    expect(first.hour).not.toBe(second.hour);
    expect(first.day).toBe(second.day);
  });
});

describe("sumNodes", () => {
  it("a parent is exactly the sum of its children, field by field", () => {
    const sums = fc.record({
      totalMwh: fc.integer({ min: 0, max: 1e13 }),
      returnedMwh: fc.integer({ min: 0, max: 1e13 }),
      hourMwh: fc.integer({ min: 0, max: 1e9 }),
      todayMwh: fc.integer({ min: 0, max: 1e10 }),
      monthMwh: fc.integer({ min: 0, max: 1e11 }),
      powerMw: fc.integer({ min: -1e9, max: 1e9 }),
      online: fc.nat(1000),
    });
    fc.assert(
      fc.property(fc.array(sums, { maxLength: 40 }), (rows) => {
        const children: NodeSums[] = rows.map((r) => ({
          ...emptySums(),
          ...r,
          meters: { online: r.online, stale: 0, offline: 0 },
        }));
        const parent = sumNodes(children);
        const total = (k: "totalMwh" | "returnedMwh" | "powerMw" | "monthMwh") =>
          children.reduce((s, c) => s + c[k], 0);
        expect(parent.totalMwh).toBe(total("totalMwh"));
        expect(parent.returnedMwh).toBe(total("returnedMwh"));
        expect(parent.monthMwh).toBe(total("monthMwh"));
        expect(parent.powerMw).toBe(total("powerMw"));
        expect(parent.meters.online).toBe(children.reduce((s, c) => s + c.meters.online, 0));
        // And the published Wh is the integer / 1000, with at most 3 decimals.
        expect(whNumberToMwh(parent.totalMwh / 1000)).toEqual({ ok: true, mwh: parent.totalMwh });
      }),
    );
  });
});

const T0 = Date.UTC(2026, 11, 5, 10, 0, 0); // 15:30 in Kolkata

function reading(overrides: Partial<SourceReading> = {}): SourceReading {
  return {
    name: "Porto",
    tsS: T0 / 1000,
    powerW: 100.5,
    totalMwh: 1_234_567,
    returnedMwh: 0,
    hourMwh: 1_000,
    todayMwh: 2_000,
    monthMwh: 3_000,
    meters: { online: 2, stale: 0, offline: 0 },
    devices: { online: 2, stale: 0, offline: 0 },
    lastUpdateTsS: T0 / 1000 - 1,
    ...overrides,
  };
}

function engine(overrides: Partial<RollupEngineOptions> = {}): RollupEngine {
  return new RollupEngine({
    company: "Co",
    level: "office",
    sources: ["Co/+/OfficeEnergyConsumed"],
    partitions: ["porto", "lisbon", "faro"],
    timeZone: "Asia/Kolkata",
    freshForMs: 31_000,
    nested: true,
    ...overrides,
  });
}

const company = (e: RollupEngine, nowMs: number) => {
  const built = e.build(nowMs);
  const last = built.messages[built.messages.length - 1];
  return rollupCompanyPayloadSchema.parse(last?.payload);
};

describe("RollupEngine", () => {
  it("publishes nothing before the first source", () => {
    expect(engine().build(T0).messages).toEqual([]);
  });

  it("sums office sources into the company exactly, with Offices, Partitions and Sources", () => {
    const e = engine();
    e.apply("Co/Porto/OfficeEnergyConsumed", reading());
    e.apply(
      "Co/Lisbon/OfficeEnergyConsumed",
      reading({ name: "Lisbon", totalMwh: 1, powerW: 20.25, returnedMwh: 5 }),
    );
    e.setPartitionStatus("porto", "online");
    e.setPartitionStatus("lisbon", "online");
    const c = company(e, T0 + 2000);
    expect(c.Topic).toBe("Co/CompanyEnergyConsumed");
    expect(c.TotalEnergy).toBe(1234.568);
    expect(c.ReturnedEnergyWh).toBe(0.005);
    expect(c.PowerW).toBe(120.75);
    expect(c.EnergyThisHourWh).toBe(2);
    expect(c.MetersOnline).toBe(4);
    expect(c.Sources).toBe(2);
    expect(c.Offices?.map((o) => [o.Name, o.TotalEnergy])).toEqual([
      ["Lisbon", 0.001],
      ["Porto", 1234.567],
    ]);
    expect(c.Partitions).toEqual([
      { Name: "porto", Status: "online" },
      { Name: "lisbon", Status: "online" },
      { Name: "faro", Status: "missing" },
    ]);
    expect(c.PartitionsLagging).toBe(true);
  });

  it("ignores an older message and keeps held lifetime totals against a lower newer one", () => {
    const e = engine();
    const topic = "Co/Porto/OfficeEnergyConsumed";
    e.apply(topic, reading());
    expect(e.apply(topic, reading({ tsS: T0 / 1000 - 60, totalMwh: 5, powerW: 1 }))).toMatchObject({
      kind: "older",
    });
    expect(company(e, T0).TotalEnergy).toBe(1234.567);
    const lower = e.apply(
      topic,
      reading({ tsS: T0 / 1000 + 10, totalMwh: 1_000_000, returnedMwh: 0, powerW: 7 }),
    );
    expect(lower).toMatchObject({ kind: "accepted", firstDecrease: true });
    const again = e.apply(topic, reading({ tsS: T0 / 1000 + 20, totalMwh: 1_100_000, powerW: 8 }));
    expect(again).toMatchObject({ kind: "accepted", firstDecrease: false });
    const c = company(e, T0 + 20_000);
    expect(c.TotalEnergy).toBe(1234.567);
    expect(c.PowerW).toBe(8); // other fields are taken
    e.apply(topic, reading({ tsS: T0 / 1000 + 30, totalMwh: 1_300_001 }));
    expect(company(e, T0 + 30_000).TotalEnergy).toBe(1300.001);
  });

  it("counts hour/day/month only in the source's current local period, power only while fresh", () => {
    const e = engine();
    e.apply("Co/Porto/OfficeEnergyConsumed", reading());
    // 16:00 Kolkata (10:30 UTC): a new hour, same day and month; 31 s is still fresh.
    let c = company(e, Date.UTC(2026, 11, 5, 10, 30, 0));
    expect([c.EnergyThisHourWh, c.EnergyTodayWh, c.EnergyThisMonthWh]).toEqual([0, 2, 3]);
    expect(c.PowerW).toBe(0); // 30 min old: not fresh
    c = company(e, T0 + 31_000);
    expect([c.EnergyThisHourWh, c.PowerW]).toEqual([1, 100.5]);
    c = company(e, T0 + 32_000);
    expect(c.PowerW).toBe(0);
    // A partition that says offline: its power no longer counts, its energy does.
    e.setPartitionStatus("porto", "offline");
    c = company(e, T0 + 1000);
    expect([c.PowerW, c.TotalEnergy]).toEqual([0, 1234.567]);
    expect(c.Partitions[0]).toEqual({ Name: "porto", Status: "offline" });
    expect(e.setPartitionStatus("porto", "maybe")).toBeUndefined();
    expect(e.setPartitionStatus("porto", "")).toBe("missing");
  });

  it("rolls room sources up into offices and the company", () => {
    const e = engine({ level: "room", sources: ["Co/+/+/RoomEnergyConsumed"] });
    e.apply("Co/Porto/Lab/RoomEnergyConsumed", reading({ name: "Lab", totalMwh: 1 }));
    e.apply("Co/Porto/Hall/RoomEnergyConsumed", reading({ name: "Hall", totalMwh: 2 }));
    e.apply("Co/Lisbon/Ops/RoomEnergyConsumed", reading({ name: "Ops", totalMwh: 4 }));
    expect(e.apply("Co/Lisbon/OfficeEnergyConsumed", reading())).toEqual({
      kind: "unexpected-topic",
    });
    const built = e.build(T0);
    expect(built.messages.map((m) => m.topic)).toEqual([
      "Co/Lisbon/OfficeEnergyConsumed",
      "Co/Porto/OfficeEnergyConsumed",
      "Co/CompanyEnergyConsumed",
    ]);
    const porto = officePayloadSchema.parse(built.messages[1]?.payload);
    expect(porto.TotalEnergy).toBe(0.003);
    expect(porto.Rooms?.map((r) => [r.Name, r.TotalEnergy, r.Topic])).toEqual([
      ["Hall", 0.002, "Co/Porto/Hall/RoomEnergyConsumed"],
      ["Lab", 0.001, "Co/Porto/Lab/RoomEnergyConsumed"],
    ]);
    const c = rollupCompanyPayloadSchema.parse(built.messages[2]?.payload);
    expect(c.TotalEnergy).toBe(0.007);
    expect(c.Offices?.map((o) => o.TotalEnergy)).toEqual([0.004, 0.003]);
  });

  it("leaves the children arrays out when nested = false", () => {
    const e = engine({ nested: false });
    e.apply("Co/Porto/OfficeEnergyConsumed", reading());
    expect(company(e, T0).Offices).toBeUndefined();
  });

  it("attributes sources to partitions by their default instance names", () => {
    const e = engine({ partitions: ["porto", "Lab-Room1_Lisbon"] });
    expect(e.partitionOf(["Porto"])).toBe("porto");
    expect(e.partitionOf(["Lisbon"])).toBe("Lab-Room1_Lisbon");
    expect(e.partitionOf(["Lab", "Room1"])).toBe("Lab-Room1_Lisbon");
    expect(e.partitionOf(["Faro"])).toBeUndefined();
  });

  it("snapshot and restore give the same payloads", () => {
    const e = engine();
    e.apply("Co/Porto/OfficeEnergyConsumed", reading());
    e.apply("Co/Porto/OfficeEnergyConsumed", reading({ tsS: T0 / 1000 + 1, totalMwh: 7 }));
    const snapshot = rollupSnapshotSchema.parse(JSON.parse(JSON.stringify(e.snapshot())));
    const other = engine();
    expect(other.restore(snapshot)).toEqual({ restored: 1, dropped: [] });
    expect(other.build(T0 + 5000)).toEqual(e.build(T0 + 5000));
    expect(engine({ sources: ["Co/Lisbon/OfficeEnergyConsumed"] }).restore(snapshot)).toEqual({
      restored: 0,
      dropped: ["Co/Porto/OfficeEnergyConsumed"],
    });
  });
});

describe("parseSourcePayload", () => {
  const topic = "Co/Porto/OfficeEnergyConsumed";
  const valid = {
    Name: "Porto",
    Topic: topic,
    UnixTimestamp: 1_781_172_180,
    PowerW: 129.3,
    EnergyThisHourWh: 1.742,
    EnergyTodayWh: 1.742,
    EnergyThisMonthWh: 1.742,
    ReturnedEnergyWh: 0,
    MetersOnline: 2,
    MetersStale: 0,
    MetersOffline: 0,
    LastUpdateUnixTimestamp: 1_781_172_179,
    TotalEnergy: 1234.567,
    DevicesOnline: 2,
    DevicesStale: 0,
    DevicesOffline: 0,
    Rooms: [],
  };
  const bytes = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
  const code = (v: unknown) => {
    const r = parseSourcePayload(topic, bytes(v), 65_536);
    return r.ok ? "ok" : r.error.code;
  };

  it("parses the aggregator's office payload to integers", () => {
    const r = parseSourcePayload(topic, bytes(valid), 65_536);
    expect(r.ok && r.reading).toMatchObject({
      totalMwh: 1_234_567,
      hourMwh: 1742,
      tsS: 1_781_172_180,
    });
  });

  it("refuses with a typed error, never throws", () => {
    expect(code("{")).toBe("INVALID_JSON");
    expect(code({ ...valid, TotalEnergy: "12" })).toBe("SCHEMA_MISMATCH");
    expect(code({ ...valid, TotalEnergy: -1 })).toBe("SCHEMA_MISMATCH");
    expect(code('{"TotalEnergy":1e999}')).toBe("SCHEMA_MISMATCH");
    expect(code({ ...valid, TotalEnergy: 1234.5671 })).toBe("INVALID_ENERGY");
    expect(code({ ...valid, Topic: "Co/Lisbon/OfficeEnergyConsumed" })).toBe("TOPIC_MISMATCH");
    expect(parseSourcePayload(topic, bytes(valid), 10)).toMatchObject({
      ok: false,
      error: { code: "PAYLOAD_TOO_LARGE" },
    });
  });
});

describe("[rollup] configuration", () => {
  const base = '[company]\ntopic = "Co/#"\n\n[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n\n';
  const problems = (toml: string) => {
    const result = parseConfig(toml, "config.toml");
    return result.ok ? [] : result.errors.map(formatProblem);
  };

  it("accepts office or room sources and defaults partitions to none", () => {
    const result = parseConfig(
      `${base}[rollup]\nsources = ["Co/+/OfficeEnergyConsumed"]\n`,
      "config.toml",
    );
    expect(result.ok && result.config.rollup).toEqual({
      sources: ["Co/+/OfficeEnergyConsumed"],
      partitions: [],
    });
    expect(
      problems(
        `${base}[rollup]\nsources = ["Co/Porto/+/RoomEnergyConsumed"]\npartitions = ["porto"]\nclient_id = "r"\n`,
      ),
    ).toEqual([]);
  });

  it("names file:line:key for every bad value", () => {
    expect(problems(`${base}[rollup]\nsources = []\n`)).toEqual([
      "config.toml:8: rollup.sources: needs at least one topic filter",
    ]);
    expect(problems(`${base}[rollup]\nsources = ["Co/#"]\n`)[0]).toMatch(
      /^config\.toml:8: rollup\.sources\[0\]: must be/,
    );
    expect(problems(`${base}[rollup]\nsources = ["+/Porto/OfficeEnergyConsumed"]\n`)[0]).toMatch(
      /company name/,
    );
    expect(
      problems(
        `${base}[rollup]\nsources = ["Co/+/OfficeEnergyConsumed", "Co/+/+/RoomEnergyConsumed"]\n`,
      )[0],
    ).toMatch(/one level/);
    expect(
      problems(
        `${base}[rollup]\nsources = ["Co/+/OfficeEnergyConsumed"]\npartitions = ["rollup"]\n`,
      )[0],
    ).toMatch(/rollup\.partitions\[0\]/);
    expect(
      problems(`${base}[rollup]\nsources = ["Co/+/OfficeEnergyConsumed"]\nunknown = 1\n`)[0],
    ).toMatch(/^config\.toml:9: rollup/);
    expect(problems(`${base}[rollup]\nsources = ["Other/+/OfficeEnergyConsumed"]\n`)).toEqual([
      'config.toml:8: rollup.sources[0]: must be under the company "Co" of [company] topic',
    ]);
    expect(
      problems('[company]\ntopic = "Co/#"\n[rollup]\nsources = ["Co/+/OfficeEnergyConsumed"]\n')[0],
    ).toMatch(/^config\.toml:3: rollup: the roll-up reads the partitions' broker/);
    expect(
      problems(
        '[company]\ntopic = "Co/A/#"\n[mqtt]\nurls = ["mqtt://a"]\n[rollup]\nsources = ["Co/+/OfficeEnergyConsumed"]\n',
      ),
    ).toEqual([
      'config.toml:2: company.topic: the roll-up publishes the company\'s totals: use "Co/#" (the sources say what it reads)',
    ]);
  });
});

describe("roll-up state file", () => {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-rollup-state-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const doc: RollupStateDocument = {
    format: ROLLUP_STATE_FORMAT,
    version: ROLLUP_STATE_VERSION,
    savedAtMs: T0,
    company: "Co",
    rollup: { sources: [] },
  };

  it("writes atomically with mode 0600 and reads back", () => {
    const path = join(dir, "a.json");
    writeRollupState(path, doc);
    expect(readRollupState(path, "Co", T0)).toEqual({ kind: "ok", state: doc });
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("moves a corrupt, foreign or other company's file aside, leaves the aggregator's alone", () => {
    for (const [name, text] of [
      ["b.json", "{not json"],
      ["c.json", JSON.stringify({ ...doc, version: 2 })],
      ["d.json", JSON.stringify({ ...doc, company: "Other" })],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const loaded = readRollupState(path, "Co", T0);
      expect(loaded.kind).toBe("corrupt");
      if (loaded.kind === "corrupt") expect(readFileSync(loaded.movedTo, "utf8")).toBe(text);
    }
    const path = join(dir, "e.json");
    writeFileSync(path, JSON.stringify({ format: "coreflux.aggregator.state", version: 1 }));
    expect(readRollupState(path, "Co", T0)).toEqual({ kind: "aggregator-state" });
    expect(readFileSync(path, "utf8")).toContain("coreflux.aggregator.state");
  });
});
