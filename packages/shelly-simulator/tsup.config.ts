import { defineConfig } from "tsup";

// One build for the library (ESM + CJS + types) and the `shelly-sim` bin. The bin's
// `#!/usr/bin/env node` line is the first line of src/cli.ts; esbuild keeps it.
export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  treeshake: true,
});
