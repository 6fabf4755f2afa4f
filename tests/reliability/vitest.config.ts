import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.test.ts", "helpers/**/*.test.ts"],
    // The suites drive real processes (aggregator, Mosquitto) on a shared 2-vCPU machine, one
    // file at a time: they measure memory and throughput and must not compete with each other.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
