import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

describe("coreflux-aggregator CLI", () => {
  it("prints its version", () => {
    expect(execFileSync(process.execPath, [cli, "--version"], { encoding: "utf8" })).toBe(
      `${pkg.version}\n`,
    );
  });

  it("prints help that names every option", () => {
    const out = execFileSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
    for (const option of ["--config", "--check", "--demo", "--help", "--version"]) {
      expect(out).toContain(option);
    }
  });

  it("is declared as the coreflux-aggregator bin", () => {
    expect(pkg.bin).toEqual({ "coreflux-aggregator": "./dist/cli.js" });
    const run = spawnSync(process.execPath, [cli, "--version"]);
    expect(run.status).toBe(0);
  });
});
