import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CORE = fileURLToPath(new URL("../src/core", import.meta.url));
const shipped = readdirSync(CORE).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));

/** Source without comments and string contents, so words in docs do not count. */
function code(file: string): string {
  return readFileSync(join(CORE, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/`(?:\\.|[^`\\])*`|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""');
}

describe("the simulation core is pure", () => {
  it("has files to check", () => {
    expect(shipped.length).toBeGreaterThan(20);
  });

  it.each(shipped)("%s imports only the core (and the error class)", (file) => {
    const text = readFileSync(join(CORE, file), "utf8");
    const specifiers = [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
    const outside = specifiers.filter((s) => !(s.startsWith("./") || s === "../errors"));
    expect(outside).toEqual([]);
  });

  it.each(shipped)("%s uses no I/O, timers, host globals or wall clock", (file) => {
    const found = code(file).match(
      /\b(process|Buffer|require|setTimeout|setInterval|setImmediate|queueMicrotask|fetch|performance|Date\.now|Math\.random)\b|new Date\(\s*\)/g,
    );
    expect(found ?? []).toEqual([]);
  });
});
