import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jsonBlocks, jsonChunks } from "./json-chunks";
import { type StateDocument, writeState, writeStateSync } from "./state-store";

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

describe("jsonBlocks", () => {
  it("groups pieces into blocks of about the target size, never splitting one", () => {
    const doc = { a: Array.from({ length: 50_000 }, (_, i) => i), b: "x".repeat(300_000) };
    const blocks = [...jsonBlocks(doc, 100_000)];
    expect(blocks.join("")).toBe(JSON.stringify(doc));
    expect(blocks.length).toBeGreaterThan(3);
    // The 300,000-character string is one piece: a block holds it whole.
    expect(blocks.some((b) => b.includes("x".repeat(300_000)))).toBe(true);
    for (const block of blocks.slice(0, -1)) expect(block.length).toBeGreaterThanOrEqual(100_000);
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
    } as unknown as StateDocument;
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
