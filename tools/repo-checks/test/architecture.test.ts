import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { checkArchitecture } from "../lib/architecture.mjs";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const scratchDirs: string[] = [];

/**
 * A copy of what the check reads (each package's package.json and src/) to break on purpose.
 * Only those are copied: other tasks create and delete scratch folders in the packages while
 * this test runs.
 */
function copyOfPackages(): string {
  const root = mkdtempSync(join(tmpdir(), "coreflux-arch-"));
  scratchDirs.push(root);
  for (const entry of readdirSync(join(repoRoot, "packages"))) {
    const from = join(repoRoot, "packages", entry);
    if (!existsSync(join(from, "package.json"))) continue;
    const to = join(root, "packages", entry);
    mkdirSync(to, { recursive: true });
    cpSync(join(from, "package.json"), join(to, "package.json"));
    if (existsSync(join(from, "src")))
      cpSync(join(from, "src"), join(to, "src"), { recursive: true });
  }
  return root;
}

function prepend(file: string, line: string): void {
  writeFileSync(file, `${line}\n${readFileSync(file, "utf8")}`);
}

afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("architecture check", () => {
  it("passes on the repository as it is", () => {
    const { checkedPackages, violations } = checkArchitecture(repoRoot);
    expect(violations).toEqual([]);
    expect(checkedPackages).toEqual([
      "@coreflux/automation",
      "@coreflux/config",
      "@coreflux/hierarchy",
      "@coreflux/history",
      "@coreflux/mqtt-adapter",
      "@coreflux/shelly-schema",
      "@coreflux/shelly-simulator",
      "@coreflux/web-view",
    ]);
  });

  it('fails when the hierarchy package imports "node:fs"', () => {
    const root = copyOfPackages();
    prepend(join(root, "packages/hierarchy/src/index.ts"), 'import "node:fs";');
    const { violations } = checkArchitecture(root);
    expect(violations).toEqual([
      expect.objectContaining({
        pkg: "@coreflux/hierarchy",
        file: join("packages", "hierarchy", "src", "index.ts"),
        line: 1,
        message: expect.stringContaining('imports "node:fs"'),
      }),
    ]);
  });

  it("fails when the hierarchy package uses Node globals or the clock", () => {
    const root = copyOfPackages();
    const file = join(root, "packages/hierarchy/src/leak.ts");
    writeFileSync(
      file,
      [
        "export const a = process.env.HOME;",
        "export const b = Buffer.from('x');",
        "export const c = setTimeout(() => {}, 1);",
        "export const d = Date.now();",
        "export const e = new Date();",
        "export const f = new Date(0);",
        "export const g = { process: 1 }.process;",
      ].join("\n"),
    );
    const messages = checkArchitecture(root).violations.map((v) => `${v.line} ${v.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^1 .*"process"/),
      expect.stringMatching(/^2 .*"Buffer"/),
      expect.stringMatching(/^3 .*"setTimeout"/),
      expect.stringMatching(/^4 reads the wall clock/),
      expect.stringMatching(/^5 reads the wall clock/),
    ]);
  });

  it("fails when the hierarchy package gains a runtime dependency", () => {
    const root = copyOfPackages();
    const manifestPath = join(root, "packages/hierarchy/package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.dependencies = { "left-pad": "^1.3.0" };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(checkArchitecture(root).violations).toEqual([
      expect.objectContaining({ message: expect.stringContaining('"left-pad" is not allowed') }),
    ]);
  });

  it("fails when shelly-schema does I/O or depends on more than zod", () => {
    const root = copyOfPackages();
    prepend(
      join(root, "packages/shelly-schema/src/index.ts"),
      'import { readFileSync } from "node:fs";',
    );
    const manifestPath = join(root, "packages/shelly-schema/package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest.dependencies = { ...manifest.dependencies, pino: "^10.0.0" };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const messages = checkArchitecture(root).violations.map((v) => v.message);
    expect(messages).toEqual([
      expect.stringContaining('"pino" is not allowed'),
      expect.stringContaining('imports "node:fs"'),
    ]);
  });

  it("fails when a package imports another @coreflux package", () => {
    const root = copyOfPackages();
    prepend(
      join(root, "packages/mqtt-adapter/src/index.ts"),
      'import type { HierarchyError } from "@coreflux/hierarchy";',
    );
    const messages = checkArchitecture(root).violations.map((v) => v.message);
    expect(messages).toContainEqual(expect.stringContaining("packages never import each other"));
    expect(messages).toContainEqual(expect.stringContaining("must know nothing about it"));
  });

  it("fails when a relative import reaches into another package", () => {
    const root = copyOfPackages();
    prepend(
      join(root, "packages/hierarchy/src/index.ts"),
      'export * from "../../shelly-schema/src/index";',
    );
    expect(checkArchitecture(root).violations).toEqual([
      expect.objectContaining({ message: expect.stringContaining("leaves the package") }),
    ]);
  });
});
