#!/usr/bin/env node
// Part of the aggregator's build: copies the built web view (@coreflux/web-view's dist) into
// dist/web, which the aggregator serves at /. Fails when the web view is not built.
import { cpSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const from = join(dirname(require.resolve("@coreflux/web-view/package.json")), "dist");
const to = fileURLToPath(new URL("../dist/web", import.meta.url));
if (!existsSync(join(from, "index.html"))) {
  console.error(`copy-web-view: ${from}/index.html is missing: build @coreflux/web-view first`);
  process.exit(1);
}
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
console.log(`copy-web-view: ${from} -> ${to}`);
