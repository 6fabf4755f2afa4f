#!/usr/bin/env node
// Fails (exit 1) when a package breaks the architecture rules in ../lib/architecture.mjs.
import { fileURLToPath } from "node:url";
import { checkArchitecture } from "../lib/architecture.mjs";

const rootDir = fileURLToPath(new URL("../../..", import.meta.url));
const { checkedPackages, violations } = checkArchitecture(rootDir);
for (const v of violations) {
  console.error(`${v.file}${v.line ? `:${v.line}` : ""}: [${v.pkg}] ${v.message}`);
}
if (violations.length > 0) {
  console.error(`architecture check: ${violations.length} violation(s)`);
  process.exit(1);
}
console.log(
  `architecture check: ${checkedPackages.length} packages OK (${checkedPackages.join(", ")})`,
);
