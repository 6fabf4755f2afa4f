import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  readState,
  STATE_FORMAT,
  STATE_VERSION_WITHOUT_HISTORY,
  type StateDocument,
  writeState,
  writeStateSync,
} from "./state-store";

/** A state without a history: the same to write as to read. */
const doc = (company = "Coreflux"): Omit<StateDocument, "history"> => ({
  format: STATE_FORMAT,
  version: STATE_VERSION_WITHOUT_HISTORY,
  savedAtMs: 1_781_172_000_000,
  company,
  engine: { format: "coreflux.hierarchy.snapshot", version: 1 },
});
const dirs: string[] = [];
const dir = () => {
  const made = mkdtempSync(join(tmpdir(), "coreflux-state-"));
  dirs.push(made);
  return made;
};
afterAll(() => {
  for (const made of dirs) rmSync(made, { recursive: true, force: true });
});

describe("state file", () => {
  it("writes atomically with mode 0600 and reads it back", async () => {
    const path = join(dir(), "state.json");
    await writeState(path, doc());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readState(path, 0)).toEqual({ kind: "ok", state: doc() });
    writeStateSync(path, doc("Other"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readState(path, 0)).toEqual({ kind: "ok", state: doc("Other") });
    // No temporary file is left behind.
    expect(readdirSync(join(path, ".."))).toEqual(["state.json"]);
  });

  it("keeps the last journal record the state includes (absent in older files, read as such)", async () => {
    const path = join(dir(), "state.json");
    await writeState(path, { ...doc(), journalSeq: 1234 });
    expect(readState(path, 0)).toEqual({ kind: "ok", state: { ...doc(), journalSeq: 1234 } });
    writeStateSync(path, doc());
    const loaded = readState(path, 0);
    expect(loaded.kind === "ok" && loaded.state.journalSeq).toBeUndefined();
  });

  it("reports a missing file as none", () => {
    expect(readState(join(dir(), "absent.json"), 0)).toEqual({ kind: "none" });
  });

  it("moves a corrupt file aside instead of overwriting it", () => {
    const folder = dir();
    for (const [content, reason] of [
      [
        '{"format":"coreflux.aggregator.state","version":1,"savedAtMs":1,"company":"C","engine":{}',
        /not JSON/,
      ],
      ['{"format":"something else"}', /not a coreflux.aggregator.state document/],
      ['{"format":"coreflux.aggregator.state","version":9}', /unsupported state version 9/],
      ['{"format":"coreflux.aggregator.state","version":1}', /missing company/],
      [
        '{"format":"coreflux.aggregator.state","version":1,"savedAtMs":1,"company":"C","engine":{},"journalSeq":-4}',
        /invalid journalSeq/,
      ],
    ] as const) {
      const path = join(folder, "state.json");
      writeFileSync(path, content);
      const result = readState(path, Date.UTC(2026, 10, 26, 12, 0, 0));
      expect(result.kind).toBe("corrupt");
      if (result.kind !== "corrupt") return;
      expect(result.reason).toMatch(reason);
      expect(result.movedTo).toBe(`${path}.corrupt-2026-11-26T12-00-00-000Z`);
      expect(existsSync(path)).toBe(false);
      expect(readFileSync(result.movedTo, "utf8")).toBe(content);
    }
  });

  it("a crash before the rename leaves the previous state intact", async () => {
    const folder = dir();
    const path = join(folder, "state.json");
    await writeState(path, doc("Before"));
    // What a write interrupted before its rename leaves: a temporary file next to the state.
    writeFileSync(join(folder, `.state.json.${process.pid}.tmp`), '{"format":"coreflux.aggre');
    expect(readState(path, 0)).toEqual({ kind: "ok", state: doc("Before") });
  });

  it("a rename that fails leaves no temporary file behind (both writers)", async () => {
    const folder = dir();
    const path = join(folder, "state.json");
    // A directory where the file goes: writing the temporary file works, the rename does not.
    mkdirSync(path);
    await expect(writeState(path, doc())).rejects.toThrow();
    expect(() => writeStateSync(path, doc())).toThrow();
    expect(readdirSync(folder)).toEqual(["state.json"]);
  });
});
