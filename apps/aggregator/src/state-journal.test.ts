import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type JournalRecord, readJournal, StateJournal } from "./state-journal";

/** Every `writeSync` the journal makes (it makes no other write). */
const writes = vi.hoisted(() => ({ count: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    writes.count++;
    return fs.writeSync(...args);
  }) as typeof fs.writeSync;
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});
beforeEach(() => {
  writes.count = 0;
});

const dirs: string[] = [];
/** A state path in a fresh folder. */
const statePath = (): string => {
  const made = mkdtempSync(join(tmpdir(), "coreflux-journal-"));
  dirs.push(made);
  return join(made, "state.json");
};
afterAll(() => {
  for (const made of dirs) rmSync(made, { recursive: true, force: true });
});
const bytes = (text: string) => Buffer.from(text, "utf8");
/** Reads the journal, collecting the records handed over (payloads copied). */
function collect(path: string, afterSeq: number) {
  const records: JournalRecord[] = [];
  const contents = readJournal(path, afterSeq, (r) =>
    records.push({ ...r, payload: Buffer.from(r.payload) }),
  );
  expect(contents.records).toBe(records.length);
  return { ...contents, records };
}
const journalNames = (path: string) =>
  readdirSync(join(path, "..")).filter((n) => n.includes(".journal."));

describe("state journal", () => {
  it("reads back what was appended: sequence, time, topic (unicode too) and payload bytes", () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    const binary = Buffer.from([0, 255, 10, 13, 0x7b]);
    journal.append(1_781_172_000_123, "Coreflux/Porto/Sala/Plug/status/switch:0", bytes('{"a":1}'));
    journal.append(1_781_172_000_456.5, "Coreflux/Pôrto/Sála ☕/Plug/online", bytes("true"));
    journal.append(1_781_172_001_000, "t/".repeat(2000), binary);
    journal.flush();
    expect(journal.lastSeq).toBe(3);
    expect(statSync(journal.currentPath).mode & 0o777).toBe(0o600);

    const found = collect(path, 0);
    expect(found.damage).toEqual([]);
    expect(found.lastSeq).toBe(3);
    expect(found.records.map((r) => [r.seq, r.tsMs, r.topic, r.payload])).toEqual([
      [1, 1_781_172_000_123, "Coreflux/Porto/Sala/Plug/status/switch:0", bytes('{"a":1}')],
      [2, 1_781_172_000_456.5, "Coreflux/Pôrto/Sála ☕/Plug/online", bytes("true")],
      [3, 1_781_172_001_000, "t/".repeat(2000), binary],
    ]);
  });

  it("skips what the state file already includes, and numbers on from the state's sequence", () => {
    const path = statePath();
    const first = new StateJournal(path, 40);
    first.append(1, "a", bytes("1"));
    first.append(2, "b", bytes("2"));
    first.flush();
    const found = collect(path, 41);
    expect(found.skipped).toBe(1);
    expect(found.records.map((r) => r.seq)).toEqual([42]);
    expect(found.lastSeq).toBe(42);

    // A new process numbers after the highest sequence found, in a newer file.
    const second = new StateJournal(path, found.lastSeq);
    second.append(3, "c", bytes("3"));
    second.flush();
    expect(collect(path, 41).records.map((r) => [r.seq, r.topic])).toEqual([
      [42, "b"],
      [43, "c"],
    ]);
    expect(journalNames(path).sort()).toEqual(["state.json.journal.1", "state.json.journal.2"]);
  });

  it("rotates at a state write and deletes a generation only once a state includes all of it", async () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    journal.append(1, "a", bytes("1"));
    journal.append(2, "b", bytes("2"));
    const includedSeq = journal.rotate(); // the state written now includes 1 and 2
    expect(includedSeq).toBe(2);
    journal.append(3, "c", bytes("3")); // arrives while that state is being written
    journal.flush();
    expect(journalNames(path).sort()).toEqual(["state.json.journal.1", "state.json.journal.2"]);

    await journal.removeThrough(1); // a state that includes only record 1: the old file must stay
    expect(journalNames(path)).toHaveLength(2);
    await journal.removeThrough(includedSeq);
    expect(journalNames(path)).toEqual(["state.json.journal.2"]);
    // After a crash now, the state (seq 2) plus the journal give back record 3 alone.
    expect(collect(path, includedSeq).records.map((r) => r.topic)).toEqual(["c"]);

    journal.closeAndRemove();
    expect(journalNames(path)).toEqual([]);
  });

  it("treats an incomplete last record (a write cut by the crash) as damage at its offset and keeps the rest", () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    journal.append(1, "a", bytes("first"));
    journal.append(2, "b", bytes("second"));
    journal.flush();
    const file = journal.currentPath;
    const size = statSync(file).size;
    truncateSync(file, size - 3);
    const found = collect(path, 0);
    expect(found.records.map((r) => r.topic)).toEqual(["a"]);
    expect(found.damage).toEqual([
      { file, offset: 28 + 1 + 5, reason: expect.stringMatching(/^incomplete record/) },
    ]);

    truncateSync(file, 28 + 1 + 5 + 10); // cut inside the second header
    expect(collect(path, 0).damage[0]?.reason).toMatch(/^incomplete record header/);
  });

  it("stops at bytes that are not a record (zeros after a power cut, another file) and reads the next file", () => {
    const path = statePath();
    const first = new StateJournal(path, 0);
    first.append(1, "a", bytes("1"));
    first.close();
    appendFileSync(first.currentPath, Buffer.alloc(64)); // zeros where a record should start
    const second = new StateJournal(path, 1);
    second.append(2, "b", bytes("2"));
    second.flush();
    writeFileSync(`${path}.journal.9`, "not a journal at all, but named like one");
    writeFileSync(`${path}.journal.notes`, "ignored: not a generation number");

    const found = collect(path, 0);
    expect(found.records.map((r) => r.topic)).toEqual(["a", "b"]);
    expect(found.damage.map((d) => [basename(d.file), d.offset, d.reason])).toEqual([
      ["state.json.journal.1", 28 + 1 + 1, "not a journal record (bad marker)"],
      ["state.json.journal.9", 0, "not a journal record (bad marker)"],
    ]);
    expect(found.files).toHaveLength(3);
  });

  it("after a failed write (maybe half a record), the next record goes to a new file", async () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    journal.append(1, "a", bytes("1"));
    journal.close(); // the next write fails, as a full disk would make it fail
    journal.append(2, "lost", bytes("2"));
    expect(() => journal.flush()).toThrow();
    expect(journal.pendingBytesCount).toBe(0); // dropped: its message stays applied, in the state
    expect(journal.lastSeq).toBe(2);
    journal.append(3, "b", bytes("3"));
    journal.flush();
    expect(journalNames(path).sort()).toEqual(["state.json.journal.1", "state.json.journal.2"]);
    const found = collect(path, 0);
    expect(found.records.map((r) => [r.seq, r.topic])).toEqual([
      [1, "a"],
      [3, "b"],
    ]);
    expect(found.damage).toEqual([]);
    await journal.removeThrough(3);
    expect(journalNames(path)).toEqual(["state.json.journal.2"]);
    journal.closeAndRemove();
  });

  it("keeps appended records in memory and writes them with one write per flush, in order", () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    for (let i = 1; i <= 500; i++) journal.append(i, `t/${i}`, bytes(`{"n":${i}}`));
    expect(writes.count).toBe(0);
    expect(statSync(journal.currentPath).size).toBe(0); // nothing on disk before the flush
    expect(journal.lastSeq).toBe(500); // but a state taken now includes them
    journal.flush();
    expect(writes.count).toBe(1);
    journal.flush(); // nothing pending: no write
    expect(writes.count).toBe(1);
    journal.append(501, "t/501", bytes("last"));
    journal.flush();
    expect(writes.count).toBe(2);
    const found = collect(path, 0);
    expect(found.damage).toEqual([]);
    expect(found.records.map((r) => [r.seq, r.tsMs, r.topic, r.payload.toString()])).toEqual([
      ...Array.from({ length: 500 }, (_, k) => [k + 1, k + 1, `t/${k + 1}`, `{"n":${k + 1}}`]),
      [501, 501, "t/501", "last"],
    ]);
  });

  it("writes by itself once the buffer reaches its bound, so memory stays bounded", () => {
    const path = statePath();
    const journal = new StateJournal(path, 0, 1000);
    const payload = Buffer.alloc(100, 0x61);
    // Each record is 28 + 3 (topic) + 100 = 131 bytes: the 8th reaches 1048 >= 1000.
    for (let i = 1; i <= 7; i++) journal.append(i, `t/${i}`, payload);
    expect(writes.count).toBe(0);
    journal.append(8, "t/8", payload);
    expect([writes.count, journal.pendingBytesCount]).toEqual([1, 0]);
    expect(statSync(journal.currentPath).size).toBe(8 * 131);
    // A record larger than the bound alone is buffered whole and written at once.
    journal.append(9, "t/9", Buffer.alloc(5000, 0x62));
    expect([writes.count, journal.pendingBytesCount]).toEqual([2, 0]);
    expect(collect(path, 0).records.map((r) => [r.seq, r.payload.length])).toEqual([
      ...Array.from({ length: 8 }, (_, k) => [k + 1, 100]),
      [9, 5000],
    ]);
  });

  it("rotation writes the buffered records to the old file first, which replay reads back", () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    journal.append(1, "a", bytes("1"));
    journal.append(2, "b", bytes("2"));
    const oldFile = journal.currentPath;
    expect(journal.rotate()).toBe(2);
    expect(writes.count).toBe(1);
    expect(statSync(oldFile).size).toBe(2 * (28 + 1 + 1));
    journal.append(3, "c", bytes("3"));
    journal.close(); // a stop whose final state write failed: what it held is written
    // A crash after the state with seq 1 only: replay gives 2 (old file) and 3 (new file).
    expect(collect(path, 1).records.map((r) => [r.seq, r.topic])).toEqual([
      [2, "b"],
      [3, "c"],
    ]);
  });

  it("after the final state write, closeAndRemove writes nothing and leaves no file", () => {
    const path = statePath();
    const journal = new StateJournal(path, 0);
    journal.append(1, "a", bytes("1"));
    journal.closeAndRemove();
    expect(writes.count).toBe(0);
    expect(journalNames(path)).toEqual([]);
  });

  it("finds nothing when there is no journal (a first start, or a folder it cannot list)", () => {
    expect(collect(statePath(), 0)).toEqual({
      records: [],
      skipped: 0,
      lastSeq: 0,
      files: [],
      damage: [],
    });
    expect(readJournal("/nonexistent-dir/state.json", 0).files).toEqual([]);
  });

  it("fails loudly when its folder cannot be written", () => {
    expect(() => new StateJournal("/nonexistent-dir/state.json", 0)).toThrow(/ENOENT/);
  });
});
