import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { EnergyTruth } from "../src/index";
import { BROKER_URL, settleReceived, subscribe, uniqueCompany } from "./helpers/broker";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};
const dir = mkdtempSync(join(tmpdir(), "shelly-sim-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built bin; resolves with its exit code and output (never rejects on a non-zero exit). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("the shelly-sim bin (built)", () => {
  it("is built and declared", () => {
    expect(existsSync(BIN)).toBe(true); // run `pnpm build` first (turbo does)
    expect(pkg.bin["shelly-sim"]).toBe("./dist/cli.js");
    expect(readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("--help lists every option; --version prints the version", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const flag of [
      "--url",
      "--company",
      "--offices",
      "--rooms",
      "--devices",
      "--models",
      "--layout",
      "--speed",
      "--flood",
      "--duration",
      "--max-messages",
      "--seed",
      "--qos",
      "--faults",
      "--truth-file",
      "--truth-topic",
      "--placements-file",
      "--placements-only",
      "--start",
      "--timezone",
      "--quiet",
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const version = await cli(["--version"]);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it("bad options: a clear message on stderr and exit code 2", async () => {
    const result = await cli(["--devices", "many", "--layout", "tree"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'shelly-sim: --devices must be a whole number, got "many"\n' +
        'shelly-sim: --layout must be hierarchy or ids, got "tree"\n' +
        "Run 'shelly-sim --help' for usage.\n",
    );
  });

  it("--placements-only writes the [[devices]] TOML without a broker", async () => {
    const file = join(dir, "placements.toml");
    const result = await cli([
      "--placements-only",
      "--placements-file",
      file,
      "--layout",
      "ids",
      "--company",
      "Acme",
      "--seed",
      "2",
    ]);
    expect(result.code).toBe(0);
    const toml = readFileSync(file, "utf8");
    const rules = [...toml.matchAll(/\[\[devices\]\]\nmatch = "([^"]+)"\npath = "([^"]+)"/g)];
    expect(rules).toHaveLength(24); // the default 2 x 3 x 4 devices, none placed by its topic in "ids"
    for (const [, match, path] of rules) {
      expect(match).toMatch(/^(shellies\/)?shelly[a-z0-9-]+-[0-9a-fA-F]{6,12}$/);
      expect(path!.split("/")).toHaveLength(3);
    }
  });

  it("a short run publishes, writes the truth and exits 0", async () => {
    const company = uniqueCompany("SimCli");
    const truthFile = join(dir, "truth.json");
    const { client, received } = await subscribe([`${company}/#`]);
    const result = await cli([
      "--url",
      BROKER_URL,
      "--company",
      company,
      "--offices",
      "1",
      "--rooms",
      "1",
      "--devices",
      "4",
      "--models",
      "plus-plug-s,pro-3em",
      "--speed",
      "3600",
      "--duration",
      "600",
      "--seed",
      "8",
      "--truth-file",
      truthFile,
      "--faults",
      "zero=0.05,duplicate=0.05",
      "--quiet",
    ]);
    await settleReceived(() => received.length);
    await client.endAsync();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^shelly-sim: 4 devices, seed 8, start .*speed 3600x, qos 1 -> mqtt:/,
    );
    const truth = JSON.parse(readFileSync(truthFile, "utf8")) as EnergyTruth;
    expect(truth.company).toBe(company);
    expect(truth.tsMs - truth.startTsMs).toBe(600_000);
    expect(result.stdout).toContain(`truth ${company} ${truth.energyMwh} mWh`);
    expect(received.length).toBe(truth.messages + 4); // + online false at shutdown
  });
});
