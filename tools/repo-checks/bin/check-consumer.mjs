#!/usr/bin/env node
// Packs every publishable package, installs the tarballs outside the workspace and uses them
// from CommonJS, ESM and TypeScript. Exit 1 on any failure. `--keep` leaves the scratch project.
import { fileURLToPath } from "node:url";
import { runConsumerCheck } from "../lib/consumer.mjs";

const rootDir = fileURLToPath(new URL("../../..", import.meta.url));
try {
  const { exportsByPackage, scratchDir } = runConsumerCheck(rootDir, {
    keep: process.argv.includes("--keep"),
    log: (line) => console.log(`consumer check: ${line}`),
  });
  console.log(
    `consumer check: OK for ${Object.keys(exportsByPackage).length} packages` +
      (process.argv.includes("--keep") ? ` (kept ${scratchDir})` : ""),
  );
} catch (error) {
  console.error(`consumer check FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
