import { defineConfig } from "tsup";

// ESM only: every user is a test, a bench or a script of this repository (Node 20, ESM).
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});
