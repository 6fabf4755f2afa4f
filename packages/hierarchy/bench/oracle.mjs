#!/usr/bin/env node
// The oracle's long run: the engine against the ideal accountant over a physical model of
// meters, for --readings N counter readings (default 10,000,000; --smoke: 200,000). Runs
// vitest with vitest.oracle.config.ts (its output goes to stderr) and prints the run's figures
// as one JSON line on stdout; exits non-zero when the engine and the accountant disagree
// (unless --report-only: `pnpm bench` records disagreements in BENCHMARKS.md instead).
// Options: --readings N, --smoke, --seed N, --out file.json (also keep the JSON there).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const readings = arg("readings", args.includes("--smoke") ? "200000" : "10000000");
const scratch = mkdtempSync(join(tmpdir(), "coreflux-oracle-"));
const outPath = join(scratch, "oracle.json");

const run = spawnSync(
  "pnpm",
  ["exec", "vitest", "run", "--config", "vitest.oracle.config.ts", "--reporter", "dot"],
  {
    cwd: packageDir,
    env: {
      ...process.env,
      ORACLE_READINGS: readings,
      ORACLE_OUT: outPath,
      ...(arg("seed") ? { ORACLE_SEED: arg("seed") } : {}),
    },
    stdio: ["ignore", process.stderr, process.stderr],
  },
);
let report;
try {
  report = JSON.parse(readFileSync(outPath, "utf8"));
} catch {
  report = { benchmark: "oracle", error: `vitest exited ${run.status} without a report` };
}
rmSync(scratch, { recursive: true, force: true });
const { examples, ...summary } = report;
if (arg("out")) writeFileSync(arg("out"), `${JSON.stringify(report, null, 2)}\n`);
if (examples?.length) process.stderr.write(`\noracle: first failures\n${examples.join("\n\n")}\n`);
process.stdout.write(`${JSON.stringify(summary)}\n`);
if (report.error) process.exit(1);
process.exit(args.includes("--report-only") ? 0 : (run.status ?? 1));
