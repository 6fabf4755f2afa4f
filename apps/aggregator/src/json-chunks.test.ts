import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jsonByteBlocks, jsonChunks } from "./json-chunks";
import { type StateDocumentToWrite, writeState, writeStateSync } from "./state-store";

const joined = (value: unknown, batch?: number) => [...jsonChunks(value, batch)].join("");

/** A value with every case JSON.stringify treats specially, at every depth. */
const awkward = {
  text: 'quote " backslash \\ newline \n tab \t nul \u0000 é 日本 😀 \ud800',
  numbers: [0, -0, 1.5, -2e-7, 1e21, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, -Infinity],
  holes: [1, undefined, () => 1, Symbol("s"), null, true, false],
  skipped: undefined,
  fn: () => 2,
  sym: Symbol("t"),
  date: new Date(Date.UTC(2026, 11, 5, 20, 0, 0)),
  withToJSON: { toJSON: () => ({ replaced: [1, 2] }) },
  map: new Map([["a", 1]]),
  boxed: [new Number(3), new String("s"), new Boolean(false)],
  nullProto: Object.assign(Object.create(null), { a: 1, b: [2] }),
  empty: { object: {}, array: [] as unknown[], nested: [[], [{}], [[[]]]] },
  mixed: [1, [2, 3], { a: [4, { b: 5 }] }, "x", [[6]], null],
  'key "with" quotes\n': 1,
};

describe("jsonChunks", () => {
  it("gives exactly JSON.stringify's text for every special case", () => {
    expect(joined(awkward)).toBe(JSON.stringify(awkward));
    expect(joined([awkward, [awkward]])).toBe(JSON.stringify([awkward, [awkward]]));
    for (const batch of [1, 2, 3, 7]) expect(joined(awkward, batch)).toBe(JSON.stringify(awkward));
  });

  it("cuts long arrays of scalars into batches, whatever the batch size", () => {
    const column = Array.from({ length: 10_001 }, (_, i) => (i % 5 === 0 ? null : i * 1.25));
    const names = Array.from({ length: 3000 }, (_, i) => `Office ${i}/Room "${i % 7}"`);
    const doc = { engine: { column, names, pairs: column.slice(0, 50).map((v) => [v, v]) } };
    for (const batch of [1, 2, 999, 1000, 4096, 20_000]) {
      expect(joined(doc, batch)).toBe(JSON.stringify(doc));
    }
    // 10,001 scalars in batches of 1000: 11 pieces of elements, 10 commas between them, and
    // `{`, `"column":`, `[`, `]`, `}`.
    const pieces = [...jsonChunks({ column }, 1000)];
    expect(pieces).toHaveLength(11 + 10 + 5);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(12_000);
  });

  it("stringifies runs of small arrays and objects together, larger ones apart", () => {
    const entries = Array.from({ length: 5000 }, (_, i) => [
      `Office ${i % 9}/Room ${i % 31}/plug-${i}`,
      1_764_000_000_000 + i * 60_000,
      i * 1.5,
      0,
      i % 3 === 0 ? null : 42.5,
      1,
      0,
      0,
      null,
    ]);
    const rows = entries.slice(0, 3000).map(([path, startMs, energy], i) => ({
      path,
      periodStartMs: startMs,
      energyMwh: energy,
      additive: i % 2 === 0,
      peakPowerW: undefined,
      devices: { online: 1, stale: 0, offline: 0 },
      skipped: () => 0,
    }));
    const large = Array.from({ length: 100 }, (_, i) => i);
    const doc = { ledger: { entries }, queue: [{ seq: 1, rows }], mixed: [large, [1], awkward, 2] };
    for (const batch of [1, 7, 1000, 4096]) expect(joined(doc, batch)).toBe(JSON.stringify(doc));
    // An entry weighs about 12 and a piece at most 4 × 4096: a piece per ~1,300 entries (a
    // walk value by value made several pieces per entry).
    const pieces = [...jsonChunks({ entries })];
    expect(pieces.length).toBeLessThan(15);
    const rowPieces = [...jsonChunks({ rows })];
    expect(rowPieces.length).toBeLessThan(15);
    // An element over the weight limit is walked on its own (its scalars in one piece).
    expect([...jsonChunks([large])]).toEqual(["[", "[", large.join(","), "]", "]"]);
  });

  it("matches JSON.stringify for random documents", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const make = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) {
        const choices = [null, random() * 1e6, Math.floor(random() * 100), `s${random()}`, true];
        return choices[Math.floor(random() * choices.length)];
      }
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 12) }, () => make(depth + 1));
      const object: Record<string, unknown> = {};
      for (let i = 0; i < random() * 6; i++) object[`k${i}`] = make(depth + 1);
      return object;
    };
    for (let n = 0; n < 300; n++) {
      const value = { v: make(0) };
      expect(joined(value, 1 + (n % 5))).toBe(JSON.stringify(value));
    }
  });

  it("yields what JSON.stringify gives for scalars and nothing for undefined", () => {
    for (const value of [1, "a", null, true, Number.NaN]) {
      expect(joined(value)).toBe(JSON.stringify(value));
    }
    expect([...jsonChunks(undefined)]).toEqual([]);
    expect(() => [...jsonChunks({ big: [1n] })]).toThrow(TypeError);
  });
});

describe("typed arrays", () => {
  /** JSON.stringify with typed arrays as arrays of their numbers (NaN and ±Infinity: null). */
  const asArrays = (value: unknown) =>
    JSON.stringify(value, (_key, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v));

  it("are written as arrays of their numbers, not finite ones as null, in any batch size", () => {
    const floats = new Float64Array(10_000);
    for (let i = 0; i < floats.length; i++) floats[i] = (i - 5000) * 1.25e-3;
    floats[3] = Number.NaN;
    floats[4097] = Number.POSITIVE_INFINITY;
    floats[8191] = Number.NEGATIVE_INFINITY;
    floats[5] = -0;
    floats[6] = 1.5e300;
    floats[7] = 5e-324;
    const doc = {
      floats,
      finite: new Float64Array([0.1, 2, 3e21, -4.5]),
      ints: Int32Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? -i : i * 1000)),
      bytes: Uint8Array.from([0, 1, 255]),
      counts: new Uint32Array([4_294_967_295, 0]),
      single: new Float32Array([0.1, Number.NaN]),
      empty: new Float64Array(0),
      inArray: [new Int32Array([1, 2]), 3, { x: new Float64Array([Number.NaN]) }],
      view: new Float64Array([9, 8, 7, 6]).subarray(1, 3),
    };
    const expected = asArrays(doc);
    expect(expected).toContain('"view":[8,7]');
    for (const batch of [1, 7, 4096, 100_000]) {
      expect([...jsonChunks(doc, batch)].join("")).toBe(expected);
    }
    expect(JSON.parse(expected).floats[5]).toBe(0);
    expect([...jsonChunks(new Int32Array([1, -2]))].join("")).toBe("[1,-2]");
  });

  it("of BigInts still throw, as in JSON.stringify; a DataView is left to JSON.stringify", () => {
    expect(() => [...jsonChunks({ big: new BigInt64Array(1) })]).toThrow(TypeError);
    const view = new DataView(new ArrayBuffer(4));
    expect([...jsonChunks({ view })].join("")).toBe(JSON.stringify({ view }));
  });
});

describe("jsonByteBlocks", () => {
  /** The bytes of every block, each copied before the next one overwrites it. */
  const collect = (value: unknown, block: Buffer) => {
    const copies: Buffer[] = [];
    for (const bytes of jsonByteBlocks(value, block)) copies.push(Buffer.from(bytes));
    return copies;
  };

  it("gathers pieces in the block given, never splitting one, with every character's bytes", () => {
    const doc = {
      a: Array.from({ length: 50_000 }, (_, i) => i),
      names: Array.from({ length: 3000 }, (_, i) => `Sala ${i} é 会议室 🔌`),
      b: "x".repeat(300_000),
    };
    const block = Buffer.alloc(100_000);
    const blocks = collect(doc, block);
    expect(Buffer.concat(blocks).toString("utf8")).toBe(JSON.stringify(doc));
    expect(Buffer.concat(blocks).equals(Buffer.from(JSON.stringify(doc)))).toBe(true);
    expect(blocks.length).toBeGreaterThan(3);
    // The 300,000-character string is a piece larger than the block: it comes alone.
    expect(blocks.some((b) => b.length === 300_002)).toBe(true);
    expect(blocks.filter((b) => b.length > block.length)).toHaveLength(1);
    // The others fill the block but for less than a piece.
    const full = blocks.filter((b) => b.length <= block.length).slice(0, -1);
    for (const b of full) expect(b.length).toBeGreaterThan(block.length - 20_000);
  });

  it("yields views of the block itself, and nothing for an empty value", () => {
    const block = Buffer.alloc(64);
    const views = [...jsonByteBlocks({ a: 1 }, block)];
    expect(views).toHaveLength(1);
    expect(views[0]!.buffer).toBe(block.buffer);
    expect(views[0]!.toString()).toBe('{"a":1}');
    expect([...jsonByteBlocks(undefined, block)]).toEqual([]);
  });
});

describe("state files written in blocks", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("hold exactly JSON.stringify's text, asynchronously and synchronously", async () => {
    dir = mkdtempSync(join(tmpdir(), "coreflux-json-chunks-"));
    const state = {
      format: "coreflux.aggregator.state",
      version: 1,
      savedAtMs: 1_796_500_000_000,
      company: "Coreflux",
      engine: {
        names: Array.from({ length: 60_000 }, (_, i) => `Coreflux/Office${i % 9}/Room${i}/Plug é`),
        energyMwh: Array.from({ length: 60_000 }, (_, i) => i * 1_000_003),
      },
    } as unknown as StateDocumentToWrite;
    const expected = JSON.stringify(state);
    // Larger than one block (1 Mi characters), so the writes really are several.
    expect(expected.length).toBeGreaterThan(2 * 1024 * 1024);
    const path = join(dir, "state.json");
    await writeState(path, state);
    expect(readFileSync(path, "utf8")).toBe(expected);
    const syncPath = join(dir, "state-sync.json");
    writeStateSync(syncPath, state);
    expect(readFileSync(syncPath, "utf8")).toBe(expected);
  });
});
