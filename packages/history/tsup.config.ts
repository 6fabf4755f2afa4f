import { copyFileSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  treeshake: true,
  shims: true,
  // The SQLite connection's thread runs this file as it is (see src/sqlite-driver.ts).
  onSuccess: async () => copyFileSync("src/sqlite-worker.cjs", "dist/sqlite-worker.cjs"),
});
